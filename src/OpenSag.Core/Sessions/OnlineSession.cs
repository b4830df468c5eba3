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
/// A live connection held by the gateway. The session table never owns the transport: it asks the session to close
/// itself, and the session's single close path withdraws it from the table (DESIGN.md §4.2).
/// </summary>
public interface IOnlineSession
{
    OnlineSessionInfo Info { get; }

    /// <summary>The bytes the session has carried each way since it was admitted, streams and packets alike.</summary>
    SessionTraffic Traffic { get; }

    /// <summary>Where the session is in its one-way life.</summary>
    SessionState State { get; }

    /// <summary>
    /// Moves <see cref="SessionState.Admitting"/> to <see cref="SessionState.Online"/>; false when the session is already
    /// closing. <see cref="SessionRegistry.PublishAsync"/> calls it under the table's lock, so a session is either
    /// published before its close starts (and the close withdraws it) or never published.
    /// </summary>
    bool TryGoOnline();

    /// <summary>Tells the client why, then closes the transport and its streams. Idempotent.</summary>
    ValueTask CloseAsync(SessionCloseReason reason, CancellationToken cancellationToken);
}

/// <summary>A session's life, one way only: Admitting → Online → Closing → Closed (Admitting → Closing when admission fails).</summary>
public enum SessionState
{
    /// <summary>Created by admission, holding what it has acquired so far; nothing outside admission can find it yet.</summary>
    Admitting,

    /// <summary>Published in the session table: kicks, the online list and tunnels find it.</summary>
    Online,

    /// <summary>Its one close path is running: no new stream or publication, everything it holds is being released.</summary>
    Closing,

    /// <summary>Everything it held is released.</summary>
    Closed,
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

    /// <summary>
    /// An administrator ended this one session (the extension action DisconnectSession, the console): like a kick the
    /// client is told not to reconnect, but the user's other sessions stay and nothing is revoked (not a ban).
    /// </summary>
    Disconnected,
}
