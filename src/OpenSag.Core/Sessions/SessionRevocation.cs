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
/// Tells the other nodes about a revocation after it is committed and the local sessions are closed. One node:
/// nobody to tell. A cluster: PostgreSQL NOTIFY. Returns once the announcement is sent (committed, for NOTIFY).
/// </summary>
public interface ISessionRevocationAnnouncer
{
    Task AnnounceAsync(SessionRevocation revocation, CancellationToken cancellationToken);
}

/// <summary>The single-node announcer: every session lives in this process, so closing them locally was everything.</summary>
public sealed class SingleNodeAnnouncer : ISessionRevocationAnnouncer
{
    public Task AnnounceAsync(SessionRevocation revocation, CancellationToken cancellationToken) => Task.CompletedTask;
}
