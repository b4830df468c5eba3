using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.Layer3;

/// <summary>
/// What the gateway enforces on every packet (issue 11 item 2): a source that is not the session's ClientIp never
/// reaches the private network, the bytes are counted per user per month (DescribeUserFlowStatistics), and the user's
/// Bandwidth is a policer.
/// </summary>
public sealed class Layer3PolicyTests
{
    /// <summary>An address of the instance's block that no session holds in these tests (dynamic leases start low).</summary>
    private static readonly IPAddress UnleasedBlockAddress = IPAddress.Parse("198.19.64.250");

    /// <summary>IPv4 header (20) and UDP header (8) around each test datagram's payload.</summary>
    private const int UdpOverIpv4Overhead = 28;

    /// <summary>Bound on the flow statistics catching up: the gateway flushes them every 2 s (GatewayOptions.FlowFlushInterval).</summary>
    private static readonly TimeSpan FlowTimeout = TimeSpan.FromSeconds(20);

    [NetworkNamespaceFact]
    public async Task Spoofed_SourceOtherThanTheClientIp_NeverReachesThePrivateNetwork()
    {
        await using var lab = await Layer3Lab.CreateAsync(gateways: 1, clients: 1);
        var gateway = await lab.StartGatewayAsync();
        var smartAgId = await gateway.CreateInstanceAsync(Layer3Lab.CidrBlock);
        await gateway.CreateUserAsync(smartAgId, "l3spoofer01");
        var client = await lab.ConnectTunAsync(0, gateway, smartAgId, "l3spoofer01");
        Assert.NotEqual(UnleasedBlockAddress.ToString(), client.ClientIp);

        // Two lies a client host can tell through its TUN: another address of the instance's block (another user's, one
        // day), put on the interface so the kernel sends from it; and the host's own link address, whose packets take the
        // pushed route into the TUN all the same.
        await lab.ClientNamespaces[0].IpAsync("addr", "add", UnleasedBlockAddress + "/32", "dev", client.Interface!);
        foreach (var spoofed in new[] { UnleasedBlockAddress, Layer3Lab.ClientLinkIp(0) })
        {
            using var socket = lab.ClientSocket(0, SocketType.Dgram, ProtocolType.Udp);
            socket.Bind(new IPEndPoint(spoofed, 0));
            for (var i = 0; i < 20; i++)
            {
                await socket.SendToAsync(new byte[100], Layer3Traffic.UdpServer);
            }
        }

        // Then honest datagrams on the same path: once their echoes are back, the lies had every chance to arrive first.
        using (var honest = lab.ClientSocket(0, SocketType.Dgram, ProtocolType.Udp))
        {
            await Layer3Traffic.EchoAsync(honest, count: 20, size: 100, describe: lab.Describe);
        }

        await lab.Udp.FenceAsync();
        var clientIp = IPAddress.Parse(client.ClientIp!);
        Assert.Equal(20, lab.Udp.Arrivals.Count(a => a.Source.Equals(clientIp)));
        var leaked = lab.Udp.Arrivals.Where(a => !a.IsFence && !a.Source.Equals(clientIp)).Select(a => a.Source.ToString()).ToList();
        Assert.True(leaked.Count == 0, $"datagrams with a spoofed source reached the private host: {string.Join(", ", leaked.Distinct())}\n{gateway.Server.Output}");

        // And the gateway, not the client, is what stopped them: the session's close line counts each one.
        Assert.Equal(0, await client.StopAsync());
        var output = await Polling.UntilAsync(() => Task.FromResult(gateway.Server.Output),
            o => o.Contains($"Session {client.SessionId} ", StringComparison.Ordinal) && o.Contains("closed", StringComparison.Ordinal),
            Layer3Lab.TrafficTimeout, "the session's close line");
        var closeLine = output.Split('\n').Single(l => l.Contains($"Session {client.SessionId} ", StringComparison.Ordinal) && l.Contains("closed", StringComparison.Ordinal));
        Assert.Contains("spoofed 40", closeLine, StringComparison.Ordinal);
    }

    [NetworkNamespaceFact]
    public async Task FlowStatistics_UdpEchoThroughTheTun_GrowByWhatWasSentEachWay()
    {
        const int Count = 200, Size = 1000;
        await using var lab = await Layer3Lab.CreateAsync(gateways: 1, clients: 1);
        var gateway = await lab.StartGatewayAsync();
        var smartAgId = await gateway.CreateInstanceAsync(Layer3Lab.CidrBlock);
        await gateway.CreateUserAsync(smartAgId, "l3counted01");
        await lab.ConnectTunAsync(0, gateway, smartAgId, "l3counted01");
        var before = await gateway.FlowAsync(smartAgId, "l3counted01");

        using (var socket = lab.ClientSocket(0, SocketType.Dgram, ProtocolType.Udp))
        {
            await Layer3Traffic.EchoAsync(socket, Count, Size, describe: lab.Describe);
        }

        // Each datagram went up once and came back once. Counted as payload or as whole IP packets, the growth lies
        // between the payload and the packets, plus one MTU of slack for anything the kernel itself sent on the TUN.
        const long Least = (long)Count * Size, Most = (long)Count * (Size + UdpOverIpv4Overhead) + 1420;
        var after = await Polling.UntilAsync(() => gateway.FlowAsync(smartAgId, "l3counted01"),
            flow => flow.TotalBytes - before.TotalBytes >= Least && flow.TotalLeaveBytes - before.TotalLeaveBytes >= Least, FlowTimeout,
            $"DescribeUserFlowStatistics growing by at least {Least} bytes each way (before: {before})");
        Assert.InRange(after.TotalBytes - before.TotalBytes, Least, Most);
        Assert.InRange(after.TotalLeaveBytes - before.TotalLeaveBytes, Least, Most);
    }

    [NetworkNamespaceFact]
    public async Task Policer_UdpSentAtFourTimesTheBandwidth_ReachesThePrivateHostNearTheBandwidth()
    {
        const int BandwidthKbps = 2000, Size = 1000;
        await using var lab = await Layer3Lab.CreateAsync(gateways: 1, clients: 1);
        var gateway = await lab.StartGatewayAsync();
        var smartAgId = await gateway.CreateInstanceAsync(Layer3Lab.CidrBlock);
        await gateway.CreateUserAsync(smartAgId, "l3policed01", BandwidthKbps);
        var client = await lab.ConnectTunAsync(0, gateway, smartAgId, "l3policed01");
        var clientIp = IPAddress.Parse(client.ClientIp!);

        // 10 datagrams of 1,028 IP bytes every 10 ms: about 8.2 Mbit/s offered against 2 Mbit/s allowed, for 3 s.
        using var socket = lab.ClientSocket(0, SocketType.Dgram, ProtocolType.Udp);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        var started = Stopwatch.GetTimestamp();
        var sent = await Layer3Traffic.StreamAsync(socket, Size, perTick: 10, TimeSpan.FromMilliseconds(10), new StrongBox<int>(), stop.Token);
        await lab.Udp.FenceAsync();

        // The first second holds the bucket's initial burst; the rate is judged on the two after it.
        var window = lab.Udp.Arrivals
            .Where(a => a.Source.Equals(clientIp))
            .Select(a => (Seconds: Stopwatch.GetElapsedTime(started, a.Ticks).TotalSeconds, a.Length))
            .Where(a => a.Seconds is >= 1 and < 3)
            .Sum(a => (long)(a.Length + UdpOverIpv4Overhead));
        var kbps = window * 8 / 2.0 / 1000;
        Assert.True(sent * (Size + UdpOverIpv4Overhead) * 8 / 3.0 / 1000 > 3 * BandwidthKbps, $"only {sent} datagrams offered in 3 s: the test did not load the policer");
        Assert.True(kbps is > BandwidthKbps * 0.7 and < BandwidthKbps * 1.3,
            $"{kbps:F0} Kbit/s reached the private host from a user whose Bandwidth is {BandwidthKbps} Kbit/s ({sent} datagrams offered)\n{gateway.Server.Output}");
    }
}
