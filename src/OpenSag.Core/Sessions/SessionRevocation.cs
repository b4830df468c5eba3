namespace OpenSag.Sessions;

/// <summary>
/// A committed revocation of a user's sessions (kick, disable, delete, move), as announced to the other nodes.
/// Sessions admitted under a generation below <see cref="Generation"/> must end; ones admitted at or above it
/// logged in after the revocation and stay.
/// </summary>
public sealed record SessionRevocation(string SmartAGId, string UserName, long Generation, SessionCloseReason Reason)
{
    /// <summary>For a user that no longer exists on the instance (deleted, moved away): every session goes.</summary>
    public const long AllGenerations = long.MaxValue;
}

/// <summary>
/// Tells the other nodes about a revocation after it is committed and the local sessions are closed, and waits for
/// them to close theirs: the API answers a kick only when the user's stale sessions are gone from every node, so from
/// the answer on not one packet of theirs is forwarded anywhere (issue 11 item 5). One node: nobody to tell. A
/// cluster: PostgreSQL NOTIFY, then the shared session table until no live node lists a stale session, within a bound
/// (a node that does not close in time is logged; its sweep closes them later).
/// </summary>
public interface ISessionRevocationAnnouncer
{
    Task AnnounceAsync(SessionRevocation revocation, CancellationToken cancellationToken);

    /// <summary>
    /// Asks the other node that holds session <paramref name="sessionId"/> of <paramref name="smartAgId"/> (if a live
    /// one does) to close it with <see cref="SessionCloseReason.Disconnected"/>, and waits until it is gone, within the
    /// same bound as a revocation. False when no other live node lists such a session. One node: always false.
    /// </summary>
    Task<bool> AnnounceDisconnectAsync(string smartAgId, string sessionId, CancellationToken cancellationToken);
}

/// <summary>The single-node announcer: every session lives in this process, so closing them locally was everything.</summary>
public sealed class SingleNodeAnnouncer : ISessionRevocationAnnouncer
{
    public Task AnnounceAsync(SessionRevocation revocation, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<bool> AnnounceDisconnectAsync(string smartAgId, string sessionId, CancellationToken cancellationToken) => Task.FromResult(false);
}
