namespace OpenSag.Sessions;

/// <summary>
/// The second and third steps of a revocation whose generation bump is already committed (DESIGN.md §3): close
/// this node's stale sessions of the user, then announce it so every other node closes its own, and wait until they
/// have (bounded, see <see cref="ISessionRevocationAnnouncer"/>). Every revoking action (KickOutClients, disable,
/// delete, roam) goes through here, so each answers only once the user's stale sessions are closed on every live node.
/// </summary>
public sealed class SessionRevoker(SessionRegistry sessions, ISessionRevocationAnnouncer announcer)
{
    /// <summary>Returns how many sessions this node closed.</summary>
    public async Task<int> RevokeAsync(SessionRevocation revocation, CancellationToken cancellationToken)
    {
        var closed = await sessions.CloseStaleSessionsAsync(revocation.SmartAGId, revocation.UserName, revocation.Generation, revocation.Reason, cancellationToken);
        await announcer.AnnounceAsync(revocation, cancellationToken);
        return closed;
    }

    /// <summary>
    /// Ends one session of the instance with <see cref="SessionCloseReason.Disconnected"/>: here if this node holds it,
    /// else on the node that does (announced, waited for). True once it is closed; false when no live node holds it.
    /// </summary>
    public async Task<bool> DisconnectAsync(string smartAgId, string sessionId, CancellationToken cancellationToken) =>
        await sessions.CloseSessionAsync(smartAgId, sessionId, SessionCloseReason.Disconnected, cancellationToken)
        || await announcer.AnnounceDisconnectAsync(smartAgId, sessionId, cancellationToken);
}
