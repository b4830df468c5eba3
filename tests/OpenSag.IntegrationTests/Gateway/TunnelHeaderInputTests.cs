using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using OpenSag.Client;
using OpenSag.Gateway.Protocol;

namespace OpenSag.IntegrationTests.Gateway;

/// <summary>
/// Bad input in a tunnel request's headers is a refusal, never a 500 or a stack trace in the log (issue 9): the
/// refusal reason quotes the caller's destination in a response header, which Kestrel refuses to write when it holds
/// a control or non-ASCII character. HttpClient will not send such a header, so the request is written by hand.
/// </summary>
[Collection(SerialGatewayTests.Name)]
public sealed class TunnelHeaderInputTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData("127.0.0.1\u0001:80")]
    [InlineData("127.0.0.1:1\u0001")]
    [InlineData("h\u007Fst:80")]
    [InlineData("caf\u00E9.example:80")]
    public async Task Tunnel_DestinationWithControlOrNonAsciiCharacter_RefusedWith400AndNothingLogged(string destination)
    {
        await using var scenario = await GatewayScenario.StartAsync();
        var smartAgId = await scenario.CreateInstanceAsync();
        await scenario.CreateUserAsync(smartAgId, "tess-headers");
        using var timeout = new CancellationTokenSource(Timeout);
        var (control, token) = await LogInAsync(scenario.Server.GatewayAddress, scenario.Server.GatewayCertificatePath, smartAgId, "tess-headers", timeout.Token);
        using (control)
        {
            var head = await TunnelRequestAsync(scenario.Server.GatewayAddress, scenario.Server.GatewayCertificatePath, token, destination, timeout.Token);

            var statusLine = head.Split("\r\n")[0];
            Assert.True(statusLine.StartsWith("HTTP/1.1 400 ", StringComparison.Ordinal), $"a tunnel to {Escape(destination)} was answered {statusLine}.\n{scenario.Server.Output}");
            Assert.Contains(TunnelHeaders.Refusal + ":", head, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("unhandled exception", scenario.Server.Output, StringComparison.OrdinalIgnoreCase);
            Assert.Equal(1, await scenario.OnlineCountAsync(smartAgId, "tess-headers"));
        }
    }

    private static string Escape(string value) => JsonSerializer.Serialize(value);

    /// <summary>A password login whose control WebSocket stays open (so its token names a live session).</summary>
    private static async Task<(ClientWebSocket Control, string Token)> LogInAsync(string gateway, string certificatePath, string smartAgId, string userName, CancellationToken cancellationToken)
    {
        var control = new ClientWebSocket();
        control.Options.HttpVersion = HttpVersion.Version11;
        control.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        using var invoker = new HttpMessageInvoker(GatewayTrust.CreateHandler(certificatePath));
        await control.ConnectAsync(new Uri($"wss://{gateway}{GatewayPaths.Control}"), invoker, cancellationToken);
        var login = new LoginRequest { SmartAGId = smartAgId, UserName = userName, Password = GatewayScenario.Password, ClientVersion = "test", ClientOs = "test" };
        await control.SendAsync(JsonSerializer.SerializeToUtf8Bytes(login, ControlJson.Options), WebSocketMessageType.Text, true, cancellationToken);
        var buffer = new byte[8192];
        var result = await control.ReceiveAsync(buffer, cancellationToken);
        using var online = JsonDocument.Parse(buffer.AsMemory(0, result.Count));
        Assert.Equal("online", online.RootElement.GetProperty("type").GetString());
        return (control, online.RootElement.GetProperty("token").GetString()!);
    }

    /// <summary>The status line and headers the gateway answers a hand-written tunnel upgrade with.</summary>
    private static async Task<string> TunnelRequestAsync(string gateway, string certificatePath, string token, string destination, CancellationToken cancellationToken)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPEndPoint.Parse(gateway), cancellationToken);
        await using var tls = new SslStream(new NetworkStream(socket, ownsSocket: false));
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "127.0.0.1",
            CertificateChainPolicy = TrustOnly(certificatePath),
            ApplicationProtocols = [SslApplicationProtocol.Http11],
        }, cancellationToken);
        // Header values are bytes on the wire: UTF-8 for the non-ASCII case, as a client's library would send them.
        var request = $"GET {GatewayPaths.Tunnel} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            + $"{TunnelHeaders.Authorization}: Bearer {token}\r\n{TunnelHeaders.Destination}: {destination}\r\n\r\n";
        await tls.WriteAsync(Encoding.UTF8.GetBytes(request), cancellationToken);
        var head = new StringBuilder();
        var buffer = new byte[4096];
        while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var read = await tls.ReadAsync(buffer, cancellationToken);
            if (read == 0)
            {
                break;
            }

            head.Append(Encoding.Latin1.GetString(buffer, 0, read));
        }

        return head.ToString();
    }

    /// <summary>Trust exactly the gateway's own certificate, as <c>connect --ca-file</c> does.</summary>
    private static X509ChainPolicy TrustOnly(string certificatePath)
    {
        var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
        policy.CustomTrustStore.ImportFromPemFile(certificatePath);
        return policy;
    }
}
