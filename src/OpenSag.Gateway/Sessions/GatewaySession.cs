using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using OpenSag.Gateway.Packets;
using OpenSag.Gateway.Protocol;
using OpenSag.Gateway.Tunnels;
using OpenSag.Sessions;

namespace OpenSag.Gateway.Sessions;

/// <summary>
/// One connection's session, owning from the moment admission creates it everything it holds (DESIGN.md §4.2): its
/// control channel and that channel's reader, its tunnelled streams, its bandwidth share, its address lease and its
/// entry in the session table. State moves one way (<see cref="SessionState"/>); publishing it in the table is the
/// last step of admission, and every ending (kick, disable, delete, shutdown, client logout, dead peer, failed
/// admission) goes through the single idempotent <see cref="CloseAsync(SessionCloseReason, string?)"/>, which tells
/// the client why, closes the control channel, aborts every stream and releases all of it, whenever it runs.
/// </summary>
public sealed class GatewaySession : IOnlineSession, IDisposable
{
    /// <summary>How long a goodbye may take before the transport is simply aborted.</summary>
    private static readonly TimeSpan GoodbyeTimeout = TimeSpan.FromSeconds(2);

    private readonly ControlChannel _control;
    private readonly ControlReader _reader;
    private readonly AddressLease? _lease;
    private readonly SessionRegistry _table;
    private readonly Lock _gate = new();
    private readonly HashSet<WebSocket> _streams = [];
    private readonly CancellationTokenSource _closed = new();
    private readonly ILogger _logger;
    private UserBandwidth.Share? _bandwidth;
    private (PacketPeer Peer, PacketRouter Router)? _packets;
    private int _state = (int)SessionState.Admitting;
    private readonly TaskCompletionSource _closeDone = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>A session in <see cref="SessionState.Admitting"/>, not yet in <paramref name="table"/>.</summary>
    /// <param name="info">What the control plane sees; its ClientIp is the lease's address or the user's static one.</param>
    /// <param name="generation">The user's session generation at the password check.</param>
    /// <param name="bandwidth">The user's Bandwidth, Kbit/s.</param>
    /// <param name="control">The control channel, aborted by the close path.</param>
    /// <param name="reader">The channel's running reader; the goodbye waits for it to finish.</param>
    /// <param name="lease">The dynamic address, released by the close path; null for a static ClientIp.</param>
    /// <param name="table">Where admission publishes the session and whence its close path withdraws it.</param>
    /// <param name="logger">Where the close is logged.</param>
    public GatewaySession(OnlineSessionInfo info, long generation, int bandwidth, ControlChannel control, ControlReader reader,
        AddressLease? lease, SessionRegistry table, ILogger logger)
    {
        Info = info;
        Generation = generation;
        Bandwidth = bandwidth;
        _control = control;
        _reader = reader;
        _lease = lease;
        _table = table;
        _logger = logger;
    }

    public OnlineSessionInfo Info { get; }

    public SessionTraffic Traffic { get; } = new();

    /// <summary>The user's session generation when this session was admitted.</summary>
    public long Generation { get; }

    public int Bandwidth { get; }

    public string Token { get; set; } = "";

    /// <summary>Cancelled once the session starts closing; tunnel relays watch it.</summary>
    public CancellationToken Closed => _closed.Token;

    public SessionState State => (SessionState)Volatile.Read(ref _state);

    /// <summary>Published and not closing: what a tunnel needs to start a stream.</summary>
    public bool IsOnline => State == SessionState.Online;

    /// <summary>The channel's reader: why the session ends as seen from the client's side.</summary>
    public ControlReader Reader => _reader;

    /// <inheritdoc/>
    public bool TryGoOnline() =>
        Interlocked.CompareExchange(ref _state, (int)SessionState.Online, (int)SessionState.Admitting) == (int)SessionState.Admitting;

    /// <summary>The control channel, for the heartbeat to watch.</summary>
    public ControlChannel Control => _control;

    public Task SendAsync<T>(T message, CancellationToken cancellationToken) =>
        _control.SendAsync(JsonSerializer.SerializeToUtf8Bytes(message, ControlJson.Options), cancellationToken);

    /// <summary>The session's layer-3 state, when it has a data channel (<see cref="LoginRequest.Tun"/>).</summary>
    public PacketPeer? Packets
    {
        get
        {
            lock (_gate)
            {
                return _packets?.Peer;
            }
        }
    }

    /// <summary>
    /// Makes the session own <paramref name="peer"/>, registered in <paramref name="router"/>: its close path removes it
    /// first. False (and the peer removed here) when the session is already ending.
    /// </summary>
    public bool TryAttachPackets(PacketPeer peer, PacketRouter router)
    {
        ArgumentNullException.ThrowIfNull(peer);
        ArgumentNullException.ThrowIfNull(router);
        lock (_gate)
        {
            if (State is SessionState.Admitting or SessionState.Online && _packets is null)
            {
                _packets = (peer, router);
                return true;
            }
        }

        router.Remove(peer);
        return false;
    }

    /// <summary>Adds a tunnel stream; false when the session is already ending (the stream must not start).</summary>
    public bool TryAddStream(WebSocket stream)
    {
        lock (_gate)
        {
            return IsOnline && _streams.Add(stream);
        }
    }

    /// <summary>
    /// This session's hold on its user's bandwidth buckets, joined with the first shaped stream (an idle session
    /// holds none) and left by the close path; null once the session is ending (the stream must not start).
    /// </summary>
    public UserBandwidth.Share? JoinBandwidth(UserBandwidth bandwidth)
    {
        ArgumentNullException.ThrowIfNull(bandwidth);
        lock (_gate)
        {
            return IsOnline ? _bandwidth ??= bandwidth.Join(Info.SmartAGId, Info.UserName, Bandwidth) : null;
        }
    }

    public void RemoveStream(WebSocket stream)
    {
        lock (_gate)
        {
            _streams.Remove(stream);
        }
    }

    public int StreamCount
    {
        get
        {
            lock (_gate)
            {
                return _streams.Count;
            }
        }
    }

    public ValueTask CloseAsync(SessionCloseReason reason, CancellationToken cancellationToken) => new(CloseCoreAsync(reason, null));

    /// <summary>
    /// <see cref="CloseAsync(SessionCloseReason, CancellationToken)"/> with what exactly went wrong (our own words, for
    /// a <see cref="SessionCloseReason.ProtocolError"/>), told to the client and logged. The first close's reason wins.
    /// </summary>
    public Task CloseAsync(SessionCloseReason reason, string? detail) => CloseCoreAsync(reason, detail);

    private async Task CloseCoreAsync(SessionCloseReason reason, string? detail)
    {
        if (!TryStartClosing())
        {
            // Someone else is closing: wait for them, so "closed" means closed for every caller.
            await _closeDone.Task;
            return;
        }

        (PacketPeer Peer, PacketRouter Router)? packets;
        lock (_gate)
        {
            packets = _packets;
        }

        try
        {
            // Before anything else (DESIGN.md §4.1): the packet state goes, waiting for any packet of the session being
            // processed right now, so from here on not one packet of the session moves in either direction, and a
            // kick's answer (which awaits this close) comes after that.
            if (packets is { } held)
            {
                held.Router.Remove(held.Peer);
            }

            // First, before the goodbye (which may wait GoodbyeTimeout for a slow client): a Closing session is not
            // online, so the online list, the counts and the cluster's row (observers) drop it now. The state has left
            // Online, so a publication racing this close either came first (withdrawn here) or fails. The address goes
            // back with the entry: the cluster's reconciliation frees the lease of any session missing from the table,
            // and nothing of a Closing session is routed by its address.
            try
            {
                _table.Withdraw(this);
            }
            finally
            {
                _lease?.Release();
            }

            await _closed.CancelAsync();
            WebSocket[] streams;
            UserBandwidth.Share? bandwidth;
            lock (_gate)
            {
                streams = [.. _streams];
                _streams.Clear();
                bandwidth = _bandwidth;
                _bandwidth = null;
            }

            foreach (var stream in streams)
            {
                stream.Abort();
            }

            // After the aborts: a relay still waiting for tokens ends with the streams, not on a released bucket.
            bandwidth?.Dispose();

            await SayGoodbyeAsync(reason, detail);

            var traffic = packets is { } closed ? "; " + closed.Peer.Describe() : "";
            if (detail is null)
            {
                _logger.LogInformation("Session {SessionId} of {UserName} on {SmartAGId} closed: {Reason}{Packets}", Info.SessionId, Info.UserName, Info.SmartAGId, reason, traffic);
            }
            else
            {
                _logger.LogInformation("Session {SessionId} of {UserName} on {SmartAGId} closed: {Reason} ({Detail}){Packets}", Info.SessionId, Info.UserName, Info.SmartAGId, reason, detail, traffic);
            }
        }
        finally
        {
            Volatile.Write(ref _state, (int)SessionState.Closed);
            _closeDone.TrySetResult();
        }
    }

    /// <summary>Admitting or Online → Closing; false when another close got there first.</summary>
    private bool TryStartClosing()
    {
        var seen = Volatile.Read(ref _state);
        while (seen is (int)SessionState.Admitting or (int)SessionState.Online)
        {
            var previous = Interlocked.CompareExchange(ref _state, (int)SessionState.Closing, seen);
            if (previous == seen)
            {
                return true;
            }

            seen = previous;
        }

        return false;
    }

    private async Task SayGoodbyeAsync(SessionCloseReason reason, string? detail)
    {
        // A silent or broken transport cannot carry a goodbye: waiting for one would only hold the session longer.
        if (reason is SessionCloseReason.KeepaliveTimeout or SessionCloseReason.ConnectionLost || _control.State is not (WebSocketState.Open or WebSocketState.CloseReceived))
        {
            _control.Abort();
            return;
        }

        using var timeout = new CancellationTokenSource(GoodbyeTimeout);
        try
        {
            var (code, message, reconnect) = Describe(reason);
            if (reason != SessionCloseReason.ClientClosed)
            {
                await SendAsync(new ClosingMessage { Reason = code, Message = detail ?? message, Reconnect = reconnect }, timeout.Token);
            }

            await _control.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, code, timeout.Token);
            await _reader.Finished.WaitAsync(timeout.Token);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            // The peer is gone or too slow; the abort below is the close.
        }
        finally
        {
            _control.Abort();
        }
    }

    /// <summary>Called by the connection's owner once it has closed; a late CloseAsync only awaits the finished close.</summary>
    public void Dispose() => _closed.Dispose();

    public static (string Code, string Message, bool Reconnect) Describe(SessionCloseReason reason) => reason switch
    {
        SessionCloseReason.KickedOut => (CloseReasons.KickedOut, "kicked out by administrator — do not reconnect", false),
        SessionCloseReason.UserDisabled => (CloseReasons.UserDisabled, "the account was disabled by the administrator", false),
        SessionCloseReason.UserDeleted => (CloseReasons.UserDeleted, "the account was deleted by the administrator", false),
        SessionCloseReason.UserMoved => (CloseReasons.UserMoved, "the account was moved to another instance", false),
        SessionCloseReason.ServerShutdown => (CloseReasons.ServerShutdown, "the gateway is shutting down", true),
        SessionCloseReason.ClientClosed => (CloseReasons.ClientClosed, "logged out", false),
        SessionCloseReason.KeepaliveTimeout => (CloseReasons.KeepaliveTimeout, "no keepalive from the client", true),
        SessionCloseReason.ConnectionLost => (CloseReasons.ConnectionLost, "the connection was lost", true),
        SessionCloseReason.ProtocolError => (CloseReasons.ProtocolError, "the client broke the control protocol", false),
        SessionCloseReason.Disconnected => (CloseReasons.Disconnected, "disconnected by administrator", false),
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, "no description for this close reason"),
    };
}
