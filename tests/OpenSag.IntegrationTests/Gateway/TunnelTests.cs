using System.Net;
using System.Security.Cryptography;

namespace OpenSag.IntegrationTests.Gateway;

/// <summary>
/// What a tunnel carries (issue 3 §2–§3): bulk bytes intact both ways through a <c>--forward</c>, SOCKS5 CONNECT,
/// and a destination outside <c>--tunnel-allow</c> refused at the gateway without hurting the session.
/// </summary>
[Collection(SerialGatewayTests.Name)]
public sealed class TunnelTests
{
    /// <summary>4 MiB each way at the user's 20,000 Kbit/s (2.5 MB/s per direction) takes about 2 s.</summary>
    private static readonly TimeSpan BulkTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Forward_FourMebibytesRandom_ArriveIntactInBothDirections()
    {
        await using var scenario = await GatewayScenario.StartAsync();
        var smartAgId = await scenario.CreateInstanceAsync();
        await scenario.CreateUserAsync(smartAgId, "dana-bulk", bandwidthKbps: 20_000);
        var client = await scenario.ConnectOnlineAsync(smartAgId, "dana-bulk", [scenario.Echo.Destination]);
        var payload = RandomNumberGenerator.GetBytes(4 * 1024 * 1024);

        var back = await TunnelTraffic.RoundTripAsync(client.ForwardPorts[0], payload, BulkTimeout);

        Assert.True(back.Length == payload.Length, $"{payload.Length} bytes sent, {back.Length} came back.\n{client.Output}");
        Assert.True(back.AsSpan().SequenceEqual(payload), $"the bytes that came back differ from those sent.\n{client.Output}");
    }

    [Fact]
    public async Task Socks5_ConnectToAllowedDestination_RelaysBothWays()
    {
        await using var scenario = await GatewayScenario.StartAsync();
        var smartAgId = await scenario.CreateInstanceAsync();
        await scenario.CreateUserAsync(smartAgId, "erik-socks5");
        var client = await scenario.ConnectOnlineAsync(smartAgId, "erik-socks5", socks: true);
        var payload = RandomNumberGenerator.GetBytes(1024 * 1024);

        var (reply, socket) = await Socks5Client.ConnectAsync(client.SocksPort!.Value, new IPEndPoint(IPAddress.Loopback, scenario.Echo.Port), TunnelTraffic.ProbeTimeout);
        using (socket)
        {
            Assert.True(reply == Socks5Client.Succeeded, $"SOCKS5 CONNECT to the echo service got reply {reply}.\n{client.Output}");
            var back = await TunnelTraffic.RoundTripAsync(socket, payload, BulkTimeout);
            Assert.True(back.AsSpan().SequenceEqual(payload), $"{payload.Length} bytes sent through SOCKS5, {back.Length} came back, or different ones.\n{client.Output}");
        }
    }

    [Fact]
    public async Task Socks5_DestinationOutsideTunnelAllow_RefusedWithReply02AndSessionSurvives()
    {
        await using var scenario = await GatewayScenario.StartAsync();
        var smartAgId = await scenario.CreateInstanceAsync();
        const string user = "fred-refused";
        await scenario.CreateUserAsync(smartAgId, user);
        var client = await scenario.ConnectOnlineAsync(smartAgId, user, [scenario.Echo.Destination], socks: true);

        // 192.0.2.1 (TEST-NET-1) is outside --tunnel-allow 127.0.0.0/8, so the gateway refuses before any packet leaves.
        var (reply, socket) = await Socks5Client.ConnectAsync(client.SocksPort!.Value, new IPEndPoint(IPAddress.Parse("192.0.2.1"), 80), TunnelTraffic.ProbeTimeout);
        socket.Dispose();

        Assert.True(reply == Socks5Client.NotAllowedByRuleset, $"SOCKS5 CONNECT to 192.0.2.1:80 got reply {reply}, not 0x02 (not allowed by ruleset).\n{client.Output}");
        var reported = await client.WaitForErrorLineAsync("192.0.2.1:80", TunnelTraffic.ProbeTimeout);
        Assert.Contains("refused", reported, StringComparison.Ordinal);

        // The session is untouched: still online once, still running, and further tunnels work both ways.
        Assert.False(client.HasExited, $"connect exited after a refused tunnel.\n{client.Output}");
        Assert.Equal(1, await scenario.OnlineCountAsync(smartAgId, user));
        Assert.True(await TunnelTraffic.EchoesAsync(client.ForwardPorts[0], TunnelTraffic.ProbeTimeout), $"the forward no longer echoes after a refused tunnel.\n{client.Output}");
        var (again, next) = await Socks5Client.ConnectAsync(client.SocksPort.Value, new IPEndPoint(IPAddress.Loopback, scenario.Echo.Port), TunnelTraffic.ProbeTimeout);
        using (next)
        {
            Assert.True(again == Socks5Client.Succeeded, $"a SOCKS5 CONNECT after the refused one got reply {again}.\n{client.Output}");
        }
    }
}
