using System.Net.WebSockets;
using OpenSag.Client;
using OpenSag.Gateway.Protocol;

namespace OpenSag.IntegrationTests.Gateway;

/// <summary>How a tunnel request may arrive at the gateway.</summary>
[Collection(SerialGatewayTests.Name)]
public sealed class TunnelProtocolTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// A tunnel is one HTTP/1.1 WebSocket per TLS connection (issue 14), so the gateway's connection caps bound the
    /// streams a source holds, each with a socket to its destination. Over HTTP/2 (RFC 8441) one connection carried
    /// 100 of them: under <c>--gateway-max-connections-per-address 2</c>, a client held its control channel and three
    /// tunnels on two connections. Refused before the upgrade, as the control channel over HTTP/2 is.
    /// </summary>
    [Fact]
    public async Task Tunnel_WebSocketOverHttp2_RefusedBeforeUpgrade()
    {
        await using var scenario = await GatewayScenario.StartAsync("--gateway-max-connections-per-address", "2");
        var smartAgId = await scenario.CreateInstanceAsync();
        await scenario.CreateUserAsync(smartAgId, "ursula-h2");
        using var timeout = new CancellationTokenSource(Timeout);
        await using var session = await ClientSession.LoginAsync(scenario.ClientOptions(smartAgId, "ursula-h2"), null, timeout.Token);
        using var invoker = new HttpMessageInvoker(GatewayTrust.CreateHandler(scenario.Server.GatewayCertificatePath));
        var tunnels = new List<ClientWebSocket>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                var tunnel = new ClientWebSocket();
                tunnels.Add(tunnel);
                tunnel.Options.HttpVersion = System.Net.HttpVersion.Version20;
                tunnel.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
                tunnel.Options.SetRequestHeader(TunnelHeaders.Authorization, "Bearer " + session.Online.Token);
                tunnel.Options.SetRequestHeader(TunnelHeaders.Destination, scenario.Echo.Destination);

                var refused = await Assert.ThrowsAsync<WebSocketException>(() =>
                    tunnel.ConnectAsync(new Uri($"wss://{scenario.Server.GatewayAddress}{GatewayPaths.Tunnel}"), invoker, timeout.Token));

                Assert.Contains("400", refused.Message, StringComparison.Ordinal);
            }
        }
        finally
        {
            tunnels.ForEach(t => t.Dispose());
        }

        Assert.Equal(1, await scenario.OnlineCountAsync(smartAgId, "ursula-h2"));
    }

    /// <summary>
    /// A tunnel holds two of the gateway's descriptors, its client connection and its socket to the destination, and
    /// both count against <c>--gateway-max-connections</c>; when only client connections were counted, a gateway full
    /// of tunnels needed twice its cap in open files. With a cap of 2, the control channel and the tunnel's own
    /// connection take both permits, so the destination socket is refused with a reason and the session stays up.
    /// </summary>
    [Fact]
    public async Task Tunnel_DestinationSocketBeyondTheTotalCap_RefusedAsServiceUnavailable()
    {
        await using var scenario = await GatewayScenario.StartAsync("--gateway-max-connections", "2");
        var smartAgId = await scenario.CreateInstanceAsync();
        await scenario.CreateUserAsync(smartAgId, "ursula-cap");
        using var timeout = new CancellationTokenSource(Timeout);
        await using var session = await ClientSession.LoginAsync(scenario.ClientOptions(smartAgId, "ursula-cap"), null, timeout.Token);

        var refused = await Assert.ThrowsAsync<TunnelRefusedException>(() => session.OpenTunnelAsync(scenario.Echo.Destination, timeout.Token));

        Assert.Equal(503, refused.Status);
        Assert.Contains("--gateway-max-connections", refused.Message, StringComparison.Ordinal);
        Assert.Equal(1, await scenario.OnlineCountAsync(smartAgId, "ursula-cap"));
    }

    /// <summary>
    /// A stream over the per-address cap is closed by the gateway before its TLS handshake, so the client cannot be
    /// told why; it said "Unable to connect to the remote server", like a dead gateway, while its control channel was
    /// plainly up. It now names the likely cause and the option.
    /// </summary>
    [Fact]
    public async Task Tunnel_OverThePerAddressCap_FailureNamesTheCap()
    {
        await using var scenario = await GatewayScenario.StartAsync("--gateway-max-connections-per-address", "1");
        var smartAgId = await scenario.CreateInstanceAsync();
        await scenario.CreateUserAsync(smartAgId, "ursula-pcap");
        using var timeout = new CancellationTokenSource(Timeout);
        await using var session = await ClientSession.LoginAsync(scenario.ClientOptions(smartAgId, "ursula-pcap"), null, timeout.Token);

        var failure = await Assert.ThrowsAnyAsync<Exception>(() => session.OpenTunnelAsync(scenario.Echo.Destination, timeout.Token));

        Assert.Contains("--gateway-max-connections-per-address", failure.Message, StringComparison.Ordinal);
        Assert.Equal(1, await scenario.OnlineCountAsync(smartAgId, "ursula-pcap"));
    }
}
