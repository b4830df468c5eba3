namespace OpenSag.Storage;

/// <summary>
/// The calls made with a ClientToken and their answers, shared by every node, so a repeated call is answered from the
/// first one across restarts and nodes (ECS/VPC "ensure idempotence"; issue 12 item 5). A token is claimed before its
/// call runs, so two calls with one token never both act.
/// </summary>
public interface IClientTokenStore
{
    /// <summary>
    /// In one transaction: deletes the calls made before <paramref name="expiredBefore"/>; then, if the key has a call
    /// that is answered, or unanswered and claimed at or after <paramref name="abandonedBefore"/>, returns it; else
    /// (no call, or one whose claimant is presumed dead) claims the key for a new call with
    /// <paramref name="fingerprint"/> at <paramref name="now"/> (exact to the millisecond, which identifies the claim) and returns null.
    /// </summary>
    Task<ClientTokenCall?> ClaimClientTokenAsync(ClientTokenKey key, string fingerprint, DateTimeOffset now, DateTimeOffset expiredBefore,
        DateTimeOffset abandonedBefore, CancellationToken cancellationToken);

    /// <summary>
    /// Records the answer of the call that claimed the key at <paramref name="claimedAt"/>; a claim taken over since
    /// (the call was presumed dead) is left alone.
    /// </summary>
    Task AnswerClientTokenAsync(ClientTokenKey key, DateTimeOffset claimedAt, ClientTokenAnswer answer, CancellationToken cancellationToken);

    /// <summary>
    /// Gives up the unanswered claim taken at <paramref name="claimedAt"/>: its call failed, and only answers that
    /// succeeded are kept.
    /// </summary>
    Task ReleaseClientTokenAsync(ClientTokenKey key, DateTimeOffset claimedAt, CancellationToken cancellationToken);
}

/// <summary>Whose token: the caller's AccessKeyId, the action and the token as sent (case-sensitive, ≤64 ASCII characters).</summary>
public sealed record ClientTokenKey(string AccessKeyId, string Action, string ClientToken);

/// <summary>A call made with a token: the fingerprint of its parameters, when it was claimed, and its answer once it has one.</summary>
public sealed record ClientTokenCall(string Fingerprint, DateTimeOffset ClaimedAt, ClientTokenAnswer? Answer);

/// <summary>A successful answer as sent, in both formats (a repeat may ask for the other one), with its RequestId.</summary>
public sealed record ClientTokenAnswer(string RequestId, byte[] Json, byte[] Xml);
