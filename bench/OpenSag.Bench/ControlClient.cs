using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text.Json;
using OpenSag.Gateway.Protocol;

namespace OpenSag.Bench;

/// <summary>
/// Many control-channel sessions from one process: the same wire protocol as <c>ClientSession</c> (HTTP/1.1 WebSocket,
/// JSON login), but with each TCP connection bound to one of several 127.0.0.x source addresses, so the per-address
/// ephemeral port range does not cap the session count. Loopback benchmark only: the certificate is not checked.
/// </summary>
internal sealed class ControlClientFactory : IDisposable
{
    public const int SourceAddresses = 16;
    private readonly HttpMessageInvoker _invoker;
    private readonly Uri _control;
    private readonly Func<uint, IPAddress> _source;
    private int _next;

    /// <param name="source">The source address of the n-th connection; default: 127.0.1.1 to 127.0.1.16 in turn.</param>
    public ControlClientFactory(int gatewayPort, Func<uint, IPAddress>? source = null)
    {
        _source = source ?? (n => new IPAddress([127, 0, 1, (byte)((n % SourceAddresses) + 1)]));
        _control = new Uri($"wss://127.0.0.1:{gatewayPort}{GatewayPaths.Control}");
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(120),
            UseProxy = false,
            ConnectCallback = ConnectAsync,
        };
        // Loopback benchmark against the server it started: nothing to verify.
#pragma warning disable CA5359
        handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
#pragma warning restore CA5359
        _invoker = new HttpMessageInvoker(handler);
    }

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var n = (uint)Interlocked.Increment(ref _next);
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            socket.Bind(new IPEndPoint(_source(n), 0));
            await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Logs in; returns the session once online (its receive loop running), or throws.</summary>
    /// <param name="sent">Called once the login message is sent (the connection, TLS and upgrade are done).</param>
    public async Task<ControlSession> LoginAsync(string instance, string userName, string? password, string? resumeToken, CancellationToken cancellationToken, Action? sent = null)
    {
        var socket = new ClientWebSocket();
        socket.Options.HttpVersion = HttpVersion.Version11;
        socket.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        try
        {
            await socket.ConnectAsync(_control, _invoker, cancellationToken);
            var login = new LoginRequest { SmartAGId = instance, UserName = userName, Password = password, ResumeToken = resumeToken, ClientVersion = "bench", ClientOs = "bench" };
            await socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(login, ControlJson.Options), WebSocketMessageType.Text, true, cancellationToken);
            sent?.Invoke();
            var buffer = new byte[2048];
            var answer = await ControlSession.ReceiveAsync(socket, buffer, cancellationToken) ?? throw new WebSocketException("closed during login");
            if (ControlJson.TypeOf(answer) != "online")
            {
                throw new InvalidOperationException("login refused: " + System.Text.Encoding.UTF8.GetString(answer));
            }

            var online = JsonSerializer.Deserialize<OnlineMessage>(answer, ControlJson.Options)!;
            return new ControlSession(socket, online.Token, buffer);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public void Dispose() => _invoker.Dispose();
}

internal sealed class ControlSession : IDisposable
{
    private readonly ClientWebSocket _socket;
    private readonly TaskCompletionSource<long> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ControlSession(ClientWebSocket socket, string token, byte[] buffer)
    {
        _socket = socket;
        Token = token;
        _ = ReceiveLoopAsync(buffer);
    }

    public string Token { get; }

    /// <summary>Completes with the <see cref="Stopwatch"/> timestamp at which the close (message or transport) was seen.</summary>
    public Task<long> Closed => _closed.Task;

    private async Task ReceiveLoopAsync(byte[] buffer)
    {
        try
        {
            while (true)
            {
                var message = await ReceiveAsync(_socket, buffer, CancellationToken.None);
                if (message is not null && ControlJson.TypeOf(message) == "ping")
                {
                    // The gateway's heartbeat: an unanswered client is dropped after twice the keepalive interval.
                    await _socket.SendAsync(ControlJson.Pong.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
                    continue;
                }

                if (message is null || ControlJson.TypeOf(message) == "closing")
                {
                    // The moment the client learns it is closed; then it answers the close handshake as
                    // OpenSag.Client does (without that the gateway waits out its 2 s goodbye timeout).
                    _closed.TrySetResult(Stopwatch.GetTimestamp());
                    await FinishCloseAsync(buffer, sawCloseFrame: message is null);
                    return;
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or ObjectDisposedException or IOException or OperationCanceledException)
        {
        }

        _closed.TrySetResult(Stopwatch.GetTimestamp());
    }

    private async Task FinishCloseAsync(byte[] buffer, bool sawCloseFrame)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        while (!sawCloseFrame)
        {
            sawCloseFrame = await ReceiveAsync(_socket, buffer, timeout.Token) is null;
        }

        await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
    }

    public static async Task<byte[]?> ReceiveAsync(WebSocket socket, byte[] buffer, CancellationToken cancellationToken)
    {
        var length = 0;
        while (length < buffer.Length)
        {
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

        throw new WebSocketException("control message too long");
    }

    public void Dispose()
    {
        _socket.Abort();
        _socket.Dispose();
    }
}
