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

    /// <summary>The client's keepalive: a ping every 15 s, given up 15 s after an unanswered one; twice that, to be safe.</summary>
    private static readonly TimeSpan SilentGatewayDeadline = TimeSpan.FromSeconds(60);

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

    /// <summary>
    /// A gateway that goes silent (no FIN, no RST: a dropped Wi-Fi, a dead route). The client used to exit 1 with
    /// "unexpected error, please report it: OperationCanceledException: Aborted" when its control channel's keepalive
    /// gave up, instead of reconnecting. The tunnel open on the lost session (a TLS connection of its own since issue
    /// 14, which nothing pings) closes its local connection with the session, and the forward works once back.
    /// </summary>
    [Fact]
    public async Task Connect_GatewayGoesSilent_ReconnectsAndClosesTheLostSessionsTunnel()
    {
        await using var scenario = await GatewayScenario.StartAsync("--keepalive-seconds", "1");
        var smartAgId = await scenario.CreateInstanceAsync();
        const string user = "nils-idle-tunnel";
        await scenario.CreateUserAsync(smartAgId, user);
        await using var proxy = new FaultyProxy(GatewayPort(scenario));
        var client = await scenario.ConnectOnlineAsync(smartAgId, user, [scenario.Echo.Destination], gateway: proxy.Address);
        using var local = await TunnelTraffic.ConnectAsync(client.ForwardPorts[0]);
        var payload = new byte[] { 1, 2, 3, 4 };
        Assert.Equal(payload, await TunnelTraffic.RoundTripAsync(local, payload, TunnelTraffic.ProbeTimeout));

        proxy.Blackhole();
        // The client's control channel pings every 15 s and gives up 15 s after an unanswered one.
        await client.WaitForErrorLineAsync("connection to the gateway lost", SilentGatewayDeadline);
        var clock = Stopwatch.StartNew();
        try
        {
            var read = await local.ReceiveAsync(new byte[16].AsMemory(), System.Net.Sockets.SocketFlags.None).AsTask().WaitAsync(ReconnectDeadline);
            Assert.Equal(0, read);
        }
        catch (System.Net.Sockets.SocketException e) when (e.SocketErrorCode == System.Net.Sockets.SocketError.ConnectionReset)
        {
        }
        catch (TimeoutException)
        {
            Assert.Fail($"the local connection of the lost session was still open {ReconnectDeadline.TotalSeconds} s after the client found the session lost.\n{client.Output}");
        }

        output.WriteLine($"the lost session's local connection closed {clock.Elapsed.TotalMilliseconds:0} ms after the client found it lost.");
        proxy.Restore();
        await client.WaitOnlineAsync(occurrence: 2, timeout: ReconnectDeadline);
        Assert.True(await TunnelTraffic.EchoesAsync(client.ForwardPorts[0], TunnelTraffic.ProbeTimeout), $"the forward does not echo after reconnecting.\n{client.Output}");
        output.WriteLine(client.Output);
    }

    private static int GatewayPort(GatewayScenario scenario) =>
        int.Parse(scenario.Server.GatewayAddress.AsSpan(scenario.Server.GatewayAddress.LastIndexOf(':') + 1), CultureInfo.InvariantCulture);
}
