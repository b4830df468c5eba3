using System.Diagnostics;
using System.Globalization;
using OpenSag.IntegrationTests.Support;
using Xunit.Abstractions;

namespace OpenSag.IntegrationTests.Gateway;

/// <summary>
/// Networks fail (issue 3 §3–§4): a client that vanishes without a FIN leaves the online list within the
/// keepalive timeout, and a client whose connection drops comes back by itself. The client reaches the gateway
/// through a <see cref="FaultyProxy"/> that fails on command.
/// </summary>
[Collection(SerialGatewayTests.Name)]
public sealed class NetworkFailureTests(ITestOutputHelper output)
{
    /// <summary>With --keepalive-seconds 1 the gateway's heartbeat drops a silent peer within 2 s of its last message.</summary>
    private static readonly TimeSpan DeadPeerDeadline = TimeSpan.FromSeconds(10);

    /// <summary>The client's backoff starts at 1 s; login over loopback takes well under a second.</summary>
    private static readonly TimeSpan ReconnectDeadline = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Session_ClientBlackholed_LeavesOnlineListWithinKeepaliveTimeout()
    {
        await using var scenario = await GatewayScenario.StartAsync("--keepalive-seconds", "1");
        var smartAgId = await scenario.CreateInstanceAsync();
        const string user = "liam-vanishes";
        await scenario.CreateUserAsync(smartAgId, user);
        await using var proxy = new FaultyProxy(GatewayPort(scenario));
        var client = await scenario.ConnectOnlineAsync(smartAgId, user, gateway: proxy.Address);
        Assert.Single(await scenario.OnlineClientsAsync(smartAgId, user));

        var clock = Stopwatch.StartNew();
        proxy.Blackhole();
        await Polling.UntilAsync(() => scenario.OnlineClientsAsync(smartAgId, user), list => list.Count == 0, DeadPeerDeadline,
            "the blackholed session leaves DescribeUserOnlineClients");

        output.WriteLine($"the blackholed session left the online list after {clock.Elapsed.TotalMilliseconds:0} ms (keepalive 1 s).");
        Assert.False(client.HasExited, $"the client cannot know about the blackhole yet, but it exited.\n{client.Output}");
    }

    [Fact]
    public async Task Connect_NetworkDropped_ReconnectsByItselfAndForwardWorksAgain()
    {
        await using var scenario = await GatewayScenario.StartAsync("--keepalive-seconds", "1");
        var smartAgId = await scenario.CreateInstanceAsync();
        const string user = "mona-reconnects";
        await scenario.CreateUserAsync(smartAgId, user);
        await using var proxy = new FaultyProxy(GatewayPort(scenario));
        var client = await scenario.ConnectOnlineAsync(smartAgId, user, [scenario.Echo.Destination], gateway: proxy.Address);
        var firstSession = client.SessionId;
        Assert.True(await TunnelTraffic.EchoesAsync(client.ForwardPorts[0], TunnelTraffic.ProbeTimeout), $"the forward does not echo before the drop.\n{client.Output}");

        var clock = Stopwatch.StartNew();
        proxy.DropAll();
        await client.WaitOnlineAsync(occurrence: 2, timeout: ReconnectDeadline);
        output.WriteLine($"back online {clock.Elapsed.TotalMilliseconds:0} ms after the connections were reset.");

        Assert.NotEqual(firstSession, client.SessionId);
        Assert.True(await TunnelTraffic.EchoesAsync(client.ForwardPorts[0], TunnelTraffic.ProbeTimeout), $"the forward does not echo after reconnecting.\n{client.Output}");
        // The old session ended with its connection; only the resumed one remains.
        await scenario.WaitOnlineCountAsync(smartAgId, user, 1, TimeSpan.FromSeconds(5));
        Assert.False(client.HasExited, $"connect exited instead of reconnecting.\n{client.Output}");
    }

    private static int GatewayPort(GatewayScenario scenario) =>
        int.Parse(scenario.Server.GatewayAddress.AsSpan(scenario.Server.GatewayAddress.LastIndexOf(':') + 1), CultureInfo.InvariantCulture);
}
