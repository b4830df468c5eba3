using System.Net.WebSockets;
using System.Text.Json;
using OpenSag.Gateway.Protocol;

namespace OpenSag.Client;

/// <summary>
/// The client side of one session: the control WebSocket (HTTP/1.1) and the HTTP/2 invoker tunnels ride on.
/// <see cref="LoginAsync"/> returns once online; <see cref="RunAsync"/> returns how the session ended.
/// A network failure surfaces as an exception, which the caller answers by reconnecting.
/// </summary>
public sealed class ClientSession : IAsyncDisposable
{
    private readonly ClientWebSocket _control;
    private readonly HttpMessageInvoker _controlInvoker;
    private readonly HttpMessageInvoker _tunnelInvoker;
    private readonly Uri _gateway;

    private ClientSession(Uri gateway, ClientWebSocket control, HttpMessageInvoker controlInvoker, HttpMessageInvoker tunnelInvoker, OnlineMessage online)
    {
        _gateway = gateway;
        _control = control;
        _controlInvoker = controlInvoker;
        _tunnelInvoker = tunnelInvoker;
        Online = online;
    }

    public OnlineMessage Online { get; }

    /// <summary>Logs in (with a password, or a resume token after a network failure).</summary>
    /// <exception cref="LoginRefusedException">The gateway said no; <see cref="LoginRefusedException.Reason"/> says why.</exception>
    public static async Task<ClientSession> LoginAsync(ClientOptions options, string? resumeToken, CancellationToken cancellationToken)
    {
        var controlInvoker = new HttpMessageInvoker(GatewayTrust.CreateHandler(options.CaFile, http2: false));
        var control = new ClientWebSocket();
        control.Options.HttpVersion = System.Net.HttpVersion.Version11;
        control.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        control.Options.KeepAliveInterval = TimeSpan.FromSeconds(15);
        control.Options.KeepAliveTimeout = TimeSpan.FromSeconds(15);
        var gateway = new Uri($"wss://{options.Gateway}");
        try
        {
            await control.ConnectAsync(new Uri(gateway, GatewayPaths.Control), controlInvoker, cancellationToken);
            var login = new LoginRequest
            {
                SmartAGId = options.Instance,
                UserName = options.UserName,
                Password = resumeToken is null ? options.Password : null,
                ResumeToken = resumeToken,
                ClientVersion = options.ClientVersion,
                ClientOs = Environment.OSVersion.ToString(),
            };
            await control.SendAsync(JsonSerializer.SerializeToUtf8Bytes(login, ControlJson.Options), WebSocketMessageType.Text, true, cancellationToken);
            var answer = await ReceiveAsync(control, cancellationToken) ?? throw new WebSocketException("the gateway closed the control channel during login");
            switch (ControlJson.TypeOf(answer))
            {
                case "online":
                    var online = JsonSerializer.Deserialize<OnlineMessage>(answer, ControlJson.Options)!;
                    var tunnelInvoker = new HttpMessageInvoker(GatewayTrust.CreateHandler(options.CaFile, http2: true));
                    return new ClientSession(gateway, control, controlInvoker, tunnelInvoker, online);
                case "closing":
                    var closing = JsonSerializer.Deserialize<ClosingMessage>(answer, ControlJson.Options)!;
                    throw new LoginRefusedException(closing.Reason, closing.Message)
                    {
                        RetryAfter = closing.RetryAfterSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
                    };
                default:
                    throw new WebSocketException("unexpected answer to login");
            }
        }
        catch
        {
            control.Dispose();
            controlInvoker.Dispose();
            throw;
        }
    }

    /// <summary>Waits for the end of the session: the server's closing message, or the server's close.</summary>
    public async Task<ClosingMessage> RunAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var message = await ReceiveAsync(_control, cancellationToken);
            if (message is null)
            {
                // Closed without a reason: treat as a network failure, the caller may resume.
                throw new WebSocketException("the gateway closed the control channel");
            }

            if (ControlJson.TypeOf(message) == "closing")
            {
                var closing = JsonSerializer.Deserialize<ClosingMessage>(message, ControlJson.Options)!;
                await CloseQuietlyAsync();
                return closing;
            }
        }
    }

    /// <summary>Opens one tunnelled stream to <paramref name="destination"/> (host:port) as a WebSocket over HTTP/2.</summary>
    /// <exception cref="TunnelRefusedException">The gateway refused it (policy, unreachable); the session is fine.</exception>
    public async Task<WebSocket> OpenTunnelAsync(string destination, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        socket.Options.HttpVersion = System.Net.HttpVersion.Version20;
        socket.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        socket.Options.SetRequestHeader(TunnelHeaders.Authorization, "Bearer " + Online.Token);
        socket.Options.SetRequestHeader(TunnelHeaders.Destination, destination);
        try
        {
            await socket.ConnectAsync(new Uri(_gateway, GatewayPaths.Tunnel), _tunnelInvoker, cancellationToken);
            return socket;
        }
        catch (WebSocketException) when (socket.HttpStatusCode != 0 && socket.HttpStatusCode != System.Net.HttpStatusCode.SwitchingProtocols && socket.HttpStatusCode != System.Net.HttpStatusCode.OK)
        {
            var reason = socket.HttpResponseHeaders?.TryGetValue(TunnelHeaders.Refusal, out var values) == true ? string.Join(' ', values) : $"HTTP {(int)socket.HttpStatusCode}";
            socket.Dispose();
            throw new TunnelRefusedException((int)socket.HttpStatusCode, reason);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Logs out: the gateway ends the session at once and it leaves the online list.</summary>
    public async Task LogoutAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _control.SendAsync("{\"type\":\"logout\"}"u8.ToArray(), WebSocketMessageType.Text, true, cancellationToken);
            await _control.CloseAsync(WebSocketCloseStatus.NormalClosure, "logout", cancellationToken);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await CloseQuietlyAsync();
        _control.Dispose();
        _controlInvoker.Dispose();
        _tunnelInvoker.Dispose();
    }

    private async Task CloseQuietlyAsync()
    {
        if (_control.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            try
            {
                await _control.CloseAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException)
            {
            }
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

public sealed record ClientOptions(string Gateway, string? CaFile, string Instance, string UserName, string Password)
{
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
