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

/// <summary>
/// Why a session ended, as decided by whoever ended it (never inferred from how the transport failed): the gateway
/// sends it to the client so it knows whether to reconnect, and logs it.
/// </summary>
public enum SessionCloseReason
{
    KickedOut,
    UserDisabled,
    UserDeleted,
    UserMoved,
    ServerShutdown,

    /// <summary>The client logged out or closed the control channel with a close frame.</summary>
    ClientClosed,

    /// <summary>The gateway's heartbeat heard nothing from the client for the dead-peer timeout.</summary>
    KeepaliveTimeout,

    /// <summary>The control channel's transport failed (reset, end of stream without a close frame).</summary>
    ConnectionLost,

    /// <summary>The client sent something the control protocol does not allow.</summary>
    ProtocolError,
}
