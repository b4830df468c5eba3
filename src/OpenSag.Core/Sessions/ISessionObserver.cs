namespace OpenSag.Sessions;

/// <summary>
/// Told when <see cref="SessionRegistry"/> publishes or withdraws a session, so a cluster can mirror this node's
/// sessions into the shared table without the gateway knowing about clusters.
/// </summary>
public interface ISessionObserver
{
    /// <summary>
    /// Awaited before the session is published in this node's table and before the client is told it is online; a
    /// failure refuses the login, so a session never exists that the cluster-wide online list cannot see. Every call is
    /// followed by <see cref="SessionClosed"/> once, whether the publication then failed or the session later closed.
    /// </summary>
    ValueTask SessionOpenedAsync(OnlineSessionInfo session, CancellationToken cancellationToken);

    /// <summary>Runs on the session's close path, which must not wait for I/O; an implementation queues its work.</summary>
    void SessionClosed(OnlineSessionInfo session);
}
