using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using OpenSag.Gateway.Protocol;
using OpenSag.Gateway.Tunnels;
using OpenSag.Sessions;

namespace OpenSag.Gateway.Sessions;

/// <summary>
/// One online connection: its control WebSocket, its tunnelled streams and its address lease. State moves one
/// way, Online → Closing → Closed, and every ending (kick, disable, delete, shutdown, client logout, dead peer)
/// goes through the single idempotent <see cref="CloseAsync"/>, which tells the client why, closes the control
/// channel, aborts every stream and releases what the session held.
/// </summary>
public sealed class GatewaySession : IOnlineSession, IDisposable
{
    /// <summary>How long a goodbye may take before the transport is simply aborted.</summary>
    private static readonly TimeSpan GoodbyeTimeout = TimeSpan.FromSeconds(2);

    private readonly ControlChannel _control;
    private readonly Lock _gate = new();
    private readonly HashSet<WebSocket> _streams = [];
    private readonly CancellationTokenSource _closed = new();
    private readonly ILogger _logger;
    private Action? _release;
    private UserBandwidth.Share? _bandwidth;
    private int _state; // 0 online, 1 closing, 2 closed
    private readonly TaskCompletionSource _closeDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _receiveEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public GatewaySession(OnlineSessionInfo info, long generation, int bandwidth, ControlChannel control, ILogger logger)
    {
        Info = info;
        Generation = generation;
        Bandwidth = bandwidth;
        _control = control;
        _logger = logger;
    }

    public OnlineSessionInfo Info { get; }

    /// <summary>The user's session generation when this session was admitted.</summary>
    public long Generation { get; }

    public int Bandwidth { get; }

    public string Token { get; set; } = "";

    /// <summary>Cancelled once the session starts closing; tunnel relays watch it.</summary>
    public CancellationToken Closed => _closed.Token;

    public bool IsOnline => Volatile.Read(ref _state) == 0;

    /// <summary>What to undo when the session ends (unregister, release the address); run exactly once.</summary>
    public void OnClosed(Action release) => _release = release;

    /// <summary>The control channel, for the heartbeat to watch.</summary>
    public ControlChannel Control => _control;

    public Task SendAsync<T>(T message, CancellationToken cancellationToken) =>
        _control.SendAsync(JsonSerializer.SerializeToUtf8Bytes(message, ControlJson.Options), cancellationToken);

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

    /// <summary>
    /// The control channel's reader has stopped (close frame, logout or failure). A goodbye waits for this, so
    /// the client's answering close frame is read before the transport is torn down.
    /// </summary>
    public void MarkReceiveEnded() => _receiveEnded.TrySetResult();

    public ValueTask CloseAsync(SessionCloseReason reason, CancellationToken cancellationToken) => new(CloseCoreAsync(reason, null));

    /// <summary>
    /// <see cref="CloseAsync(SessionCloseReason, CancellationToken)"/> with what exactly went wrong (our own words, for
    /// a <see cref="SessionCloseReason.ProtocolError"/>), told to the client and logged. The first close's reason wins.
    /// </summary>
    public Task CloseAsync(SessionCloseReason reason, string? detail) => CloseCoreAsync(reason, detail);

    private async Task CloseCoreAsync(SessionCloseReason reason, string? detail)
    {
        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0)
        {
            // Someone else is closing: wait for them, so "closed" means closed for every caller.
            await _closeDone.Task;
            return;
        }

        try
        {
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
            _release?.Invoke();
            if (detail is null)
            {
                _logger.LogInformation("Session {SessionId} of {UserName} on {SmartAGId} closed: {Reason}", Info.SessionId, Info.UserName, Info.SmartAGId, reason);
            }
            else
            {
                _logger.LogInformation("Session {SessionId} of {UserName} on {SmartAGId} closed: {Reason} ({Detail})", Info.SessionId, Info.UserName, Info.SmartAGId, reason, detail);
            }
        }
        finally
        {
            Volatile.Write(ref _state, 2);
            _closeDone.TrySetResult();
        }
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
            await _receiveEnded.Task.WaitAsync(timeout.Token);
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
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, "no description for this close reason"),
    };
}
