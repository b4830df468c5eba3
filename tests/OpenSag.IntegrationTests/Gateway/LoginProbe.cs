using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text.Json;
using OpenSag.Gateway.Protocol;

namespace OpenSag.IntegrationTests.Gateway;

/// <summary>
/// One login over the control channel from a chosen loopback source address (127.0.0.0/8 is all loopback on Linux, so
/// 127.0.0.2… stand for other hosts), answered with what the gateway said. For attacks and rate limits, which are
/// keyed by source; the certificate is not checked (the test's own server on loopback).
/// </summary>
public static class LoginProbe
{
    /// <summary>A login's TLS handshake plus, at worst, a queued password check behind a test's own flood.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>What the gateway answered: <c>online</c> (and the token), or <c>closing</c> with its reason and retry-after.</summary>
    public sealed record Answer(string Type, string? Reason, int? RetryAfterSeconds, string? Token);

    public static async Task<Answer> LoginAsync(string gatewayAddress, IPAddress source, string smartAgId, string userName,
        string? password, string? resumeToken = null, CancellationToken cancellationToken = default)
    {
        using var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            ConnectCallback = async (context, ct) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new IPEndPoint(source, 0));
                    await socket.ConnectAsync(context.DnsEndPoint, ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
#pragma warning disable CA5359 // the test's own server on loopback
        handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
#pragma warning restore CA5359
        using var invoker = new HttpMessageInvoker(handler);
        using var socket = new ClientWebSocket();
        socket.Options.HttpVersion = HttpVersion.Version11;
        socket.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        await socket.ConnectAsync(new Uri($"wss://{gatewayAddress}{GatewayPaths.Control}"), invoker, timeout.Token);
        var login = new LoginRequest { SmartAGId = smartAgId, UserName = userName, Password = password, ResumeToken = resumeToken, ClientVersion = "probe", ClientOs = "probe" };
        await socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(login, ControlJson.Options), WebSocketMessageType.Text, true, timeout.Token);
        var buffer = new byte[8192];
        var length = 0;
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer.AsMemory(length), timeout.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return new Answer("closed", null, null, null);
            }

            length += result.Count;
            if (result.EndOfMessage)
            {
                break;
            }
        }

        using var answer = JsonDocument.Parse(buffer.AsMemory(0, length));
        var root = answer.RootElement;
        var type = root.GetProperty("type").GetString()!;
        if (type == "online")
        {
            socket.Abort();
            return new Answer(type, null, null, root.GetProperty("token").GetString());
        }

        return new Answer(type, root.GetProperty("reason").GetString(),
            root.TryGetProperty("retryAfterSeconds", out var retry) ? retry.GetInt32() : null, null);
    }
}
