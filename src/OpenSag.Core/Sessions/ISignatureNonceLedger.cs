namespace OpenSag.Sessions;

/// <summary>
/// Signature nonces seen inside the timestamp window (DESIGN.md §2). One node keeps them in memory; a cluster keeps
/// them in the shared database so that a request replayed to another node is refused too.
/// </summary>
public interface ISignatureNonceLedger
{
    /// <summary>
    /// Records the nonce; false if the same key already used it and that use has not expired. An entry still
    /// counts at the instant it expires, because the timestamp check accepts that instant too.
    /// </summary>
    ValueTask<bool> TryUseAsync(string accessKeyId, string nonce, DateTimeOffset forgetAfter, CancellationToken cancellationToken);
}
