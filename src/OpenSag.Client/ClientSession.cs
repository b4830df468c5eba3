using System.Net.WebSockets;
using System.Text.Json;
using OpenSag.Gateway.Protocol;

namespace OpenSag.Client;

/// <summary>
/// The client side of one session: the control WebSocket and the tunnels, each a WebSocket over its own HTTP/1.1
/// TLS connection to the gateway (see <see cref="OpenTunnelAsync"/> for why tunnels do not share one HTTP/2 connection).
/// <see cref="LoginAsync"/> returns once online; <see cref="RunAsync"/> returns how the session ended.
/// A network failure surfaces as an exception, which the caller answers by reconnecting.
/// <para>
/// One reader runs from login to the end and is never cancelled: cancelling a WebSocket receive aborts the
/// connection, and a client stopping (Ctrl-C) must still send its logout and read the gateway's close, or the gateway
/// sees a broken connection instead of a logout. The reader answers the gateway's keepalive pings.
/// </para>
/// </summary>
public sealed class ClientSession : IAsyncDisposable
{
    /// <summary>How long a logout or a close waits for the gateway's answering close frame.</summary>
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(2);

    private readonly ClientWebSocket _control;
    private readonly HttpMessageInvoker _invoker;
    private readonly Uri _gateway;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly Task<ClosingMessage> _ended;

    private ClientSession(Uri gateway, ClientWebSocket control, HttpMessageInvoker invoker, OnlineMessage online)
    {
        _gateway = gateway;
        _control = control;
        _invoker = invoker;
        Online = online;
        _ended = ReadUntilEndAsync();
    }

    public OnlineMessage Online { get; }

    /// <summary>Logs in (with a password, or with <paramref name="resume"/> after a network failure).</summary>
    /// <exception cref="LoginRefusedException">The gateway said no; <see cref="LoginRefusedException.Reason"/> says why.</exception>
    public static async Task<ClientSession> LoginAsync(ClientOptions options, SessionResume? resume, CancellationToken cancellationToken)
    {
        // A WebSocket takes its connection out of the handler's pool, so one handler serves the control channel and
        // every tunnel, each on a connection of its own.
        var invoker = new HttpMessageInvoker(GatewayTrust.CreateHandler(options.CaFile));
        var control = new ClientWebSocket();
        control.Options.HttpVersion = System.Net.HttpVersion.Version11;
        control.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        control.Options.KeepAliveInterval = TimeSpan.FromSeconds(15);
        control.Options.KeepAliveTimeout = TimeSpan.FromSeconds(15);
        var gateway = new Uri($"wss://{options.Gateway}");
        try
        {
            await control.ConnectAsync(new Uri(gateway, GatewayPaths.Control), invoker, cancellationToken);
            var login = new LoginRequest
            {
                SmartAGId = options.Instance,
                UserName = options.UserName,
                Password = resume is null ? options.Password : null,
                ResumeToken = resume?.Token,
                ClientIp = resume?.ClientIp,
                ClientVersion = options.ClientVersion,
                ClientOs = Environment.OSVersion.ToString(),
                Tun = options.Tun,
            };
            await control.SendAsync(JsonSerializer.SerializeToUtf8Bytes(login, ControlJson.Options), WebSocketMessageType.Text, true, cancellationToken);
            while (true)
            {
                var answer = await ReceiveAsync(control, cancellationToken) ?? throw new WebSocketException("the gateway closed the control channel during login");
                switch (ControlJson.TypeOf(answer))
                {
                    case "online":
                        var online = JsonSerializer.Deserialize<OnlineMessage>(answer, ControlJson.Options)!;
                        return new ClientSession(gateway, control, invoker, online);
                    case "closing":
                        var closing = JsonSerializer.Deserialize<ClosingMessage>(answer, ControlJson.Options)!;
                        throw new LoginRefusedException(closing.Reason, closing.Message)
                        {
                            RetryAfter = closing.RetryAfterSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
                        };
                    case "ping":
                        await control.SendAsync(ControlJson.Pong.ToArray(), WebSocketMessageType.Text, true, cancellationToken);
                        continue;
                    default:
                        throw new WebSocketException("unexpected answer to login");
                }
            }
        }
        catch
        {
            control.Dispose();
            invoker.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Waits for the end of the session: the server's closing message, or a failure (the server closed without a
    /// reason, or the network failed: a <see cref="WebSocketException"/> the caller may resume after). Cancelling stops
    /// the wait only; the session stays up until <see cref="LogoutAsync"/> or dispose.
    /// </summary>
    public Task<ClosingMessage> RunAsync(CancellationToken cancellationToken) => _ended.WaitAsync(cancellationToken);

    private async Task<ClosingMessage> ReadUntilEndAsync()
    {
        while (true)
        {
            // Closed without a reason: treat as a network failure, the caller may resume.
            var message = await ReceiveAsync(_control, CancellationToken.None) ?? throw new WebSocketException("the gateway closed the control channel");
            switch (ControlJson.TypeOf(message))
            {
                case "closing":
                    var closing = JsonSerializer.Deserialize<ClosingMessage>(message, ControlJson.Options)!;
                    await CloseQuietlyAsync();
                    return closing;
                case "ping":
                    await SendAsync(ControlJson.Pong.ToArray(), CancellationToken.None);
                    break;
            }
        }
    }

    /// <summary>
    /// Opens one tunnelled stream to <paramref name="destination"/> (host:port): a WebSocket (RFC 6455) on a TLS
    /// connection of its own, as stunnel gives each stream its own TLS connection.
    /// </summary>
    /// <remarks>
    /// Not a WebSocket over a shared HTTP/2 connection (RFC 8441): the gateway refuses one (its connection caps would
    /// not bound the streams), and measured side by side (bench/README.md, stream path), HTTP/2 cost each byte more
    /// CPU at both ends (its 16 KiB DATA frames, flow control and the connection's writer loop, one more thread-pool
    /// hop each way) and added latency to every round trip. What one connection per stream costs instead is a TLS handshake when a stream opens.
    /// </remarks>
    /// <exception cref="TunnelRefusedException">The gateway refused it (policy, unreachable, its cap); the session is fine.</exception>
    /// <exception cref="IOException">The gateway closed the connection during its TLS handshake (a connection cap).</exception>
    public Task<WebSocket> OpenTunnelAsync(string destination, CancellationToken cancellationToken) =>
        OpenWebSocketAsync(GatewayPaths.Tunnel, destination, cancellationToken);

    /// <summary>
    /// Opens the layer-3 data channel's TLS fallback (<see cref="GatewayPaths.Packets"/>): a WebSocket on a TLS
    /// connection of its own, opened with the session's token as a tunnel is, carrying one IP packet per binary
    /// message each way. From then on the gateway sends this session's packets there instead of by UDP.
    /// </summary>
    /// <exception cref="TunnelRefusedException">The gateway refused it (e.g. the session has no data channel).</exception>
    /// <exception cref="IOException">The gateway closed the connection during its TLS handshake (a connection cap).</exception>
    public Task<WebSocket> OpenPacketsAsync(CancellationToken cancellationToken) =>
        OpenWebSocketAsync(GatewayPaths.Packets, destination: null, cancellationToken);

    private async Task<WebSocket> OpenWebSocketAsync(string path, string? destination, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        socket.Options.HttpVersion = System.Net.HttpVersion.Version11;
        socket.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        socket.Options.SetRequestHeader(TunnelHeaders.Authorization, "Bearer " + Online.Token);
        if (destination is not null)
        {
            socket.Options.SetRequestHeader(TunnelHeaders.Destination, destination);
        }

        try
        {
            await socket.ConnectAsync(new Uri(_gateway, path), _invoker, cancellationToken);
            return socket;
        }
        catch (WebSocketException) when (socket.HttpStatusCode != 0 && socket.HttpStatusCode != System.Net.HttpStatusCode.SwitchingProtocols && socket.HttpStatusCode != System.Net.HttpStatusCode.OK)
        {
            var reason = socket.HttpResponseHeaders?.TryGetValue(TunnelHeaders.Refusal, out var values) == true ? string.Join(' ', values) : $"HTTP {(int)socket.HttpStatusCode}";
            socket.Dispose();
            throw new TunnelRefusedException((int)socket.HttpStatusCode, reason);
        }
        catch (WebSocketException e) when (GatewayTrust.ClosedDuringHandshake(e))
        {
            socket.Dispose();
            throw new IOException(
                "the gateway closed the connection during its TLS handshake; with the session up, it most likely holds as many "
                + "connections from this address (--gateway-max-connections-per-address) or in all (--gateway-max-connections) as it allows", e);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Logs out: the gateway ends the session at once (recording a client close) and it leaves the online list. Sends
    /// the logout and a close frame, then waits (bounded by <paramref name="cancellationToken"/>) for the gateway's close.
    /// </summary>
    public async Task LogoutAsync(CancellationToken cancellationToken)
    {
        try
        {
            await SendAsync(ControlJson.Logout.ToArray(), cancellationToken);
            await CloseOutputAsync(cancellationToken);
            await _ended.WaitAsync(cancellationToken);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            // Gone already, or slow to answer: dispose drops the connection either way.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await CloseQuietlyAsync();
        try
        {
            // The reader ends with the close frame it was waiting for, or with the abort below.
            await _ended.WaitAsync(CloseTimeout);
        }
        catch (Exception e) when (e is WebSocketException or TimeoutException or ObjectDisposedException or IOException or OperationCanceledException)
        {
        }

        _control.Abort();
        _control.Dispose();
        _invoker.Dispose();
        _sendLock.Dispose();
    }

    /// <summary>Sends our close frame if we have not; the reader (always pending) takes the gateway's answer.</summary>
    private async Task CloseQuietlyAsync()
    {
        if (_control.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            using var timeout = new CancellationTokenSource(CloseTimeout);
            try
            {
                await CloseOutputAsync(timeout.Token);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }
    }

    private async Task SendAsync(byte[] message, CancellationToken cancellationToken)
    {
        await _sendLock.WaitAsync(cancellationToken);
        try
        {
            await _control.SendAsync(message, WebSocketMessageType.Text, true, cancellationToken);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private async Task CloseOutputAsync(CancellationToken cancellationToken)
    {
        await _sendLock.WaitAsync(cancellationToken);
        try
        {
            if (_control.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await _control.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cancellationToken);
            }
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private static async Task<byte[]?> ReceiveAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[8192];
        var length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                Array.Resize(ref buffer, buffer.Length * 2);
            }

            var result = await socket.ReceiveAsync(buffer.AsMemory(length), cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }

            length += result.Count;
            if (result.EndOfMessage)
            {
                return buffer[..length];
            }
        }
    }
}

/// <summary>What a client resumes with: the session's token, and the ClientIp it had, to keep it when it is free.</summary>
public sealed record SessionResume(string Token, string? ClientIp);

public sealed record ClientOptions(string Gateway, string? CaFile, string Instance, string UserName, string Password)
{
    /// <summary>Ask for the layer-3 data channel (<see cref="LoginRequest.Tun"/>, <c>connect --tun</c>).</summary>
    public bool Tun { get; init; }

    public string ClientVersion { get; init; } = typeof(ClientOptions).Assembly.GetName().Version?.ToString() ?? "0";
}

public sealed class LoginRefusedException(string reason, string message) : Exception(message)
{
    public string Reason { get; } = reason;

    /// <summary>With <see cref="CloseReasons.RateLimited"/>: how long the gateway asks the client to wait.</summary>
    public TimeSpan? RetryAfter { get; init; }
}

public sealed class TunnelRefusedException(int status, string reason) : Exception(reason)
{
    public int Status { get; } = status;
}
