namespace OpenSag.Sessions;

/// <summary>What the control plane sees of one online connection (DESIGN.md §3).</summary>
public sealed record OnlineSessionInfo
{
    public required string SessionId { get; init; }
    public required string SmartAGId { get; init; }
    public required string UserName { get; init; }
    public required string ClientIp { get; init; }
    public required DateTimeOffset OnlineSince { get; init; }
    public string PeerAddress { get; init; } = "";
    public string ClientVersion { get; init; } = "";
    public string ClientOs { get; init; } = "";

    /// <summary>The user's session generation when the session was admitted; a revocation bumps it past this.</summary>
    public long SessionGeneration { get; init; }
}

/// <summary>
/// A live connection held by the gateway. The registry never owns the transport: it asks the session to close
/// itself, and the session unregisters when its single close path has run.
/// </summary>
public interface IOnlineSession
{
    OnlineSessionInfo Info { get; }

    /// <summary>Tells the client why, then closes the transport and its streams. Idempotent.</summary>
    ValueTask CloseAsync(SessionCloseReason reason, CancellationToken cancellationToken);
}

/// <summary>Why a session ended; the gateway sends it to the client so it knows whether to reconnect.</summary>
public enum SessionCloseReason
{
    KickedOut,
    UserDisabled,
    UserDeleted,
    UserMoved,
    ServerShutdown,
    ClientClosed,
    KeepaliveTimeout,
}
