using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.Layer3;

/// <summary>
/// Issue 11 item 5: a kick stops packets, not just a connection. While the kicked user pings and streams UDP to the
/// private host, <c>KickOutClients</c> answers; from that answer on not one of its packets reaches the private network.
/// "After the answer" is measured without clocks: right after the answer the private host puts a fence into each
/// receive queue (the UDP socket's and the ICMP one's), and anything of the session queued behind a fence arrived
/// after the answer. The client exits 4 and its interface is gone, the other user's stream goes on untouched, and a
/// fresh login works.
/// </summary>
public sealed class Layer3KickTests
{
    /// <summary>Bound on the kicked client's exit, on the other user's stream showing progress, on the streams warming up.</summary>
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(20);

    [NetworkNamespaceFact]
    public async Task Kick_DuringPingAndUdpStream_NoPacketOfTheSessionReachesThePrivateNetworkAfterTheAnswer()
    {
        await using var lab = await Layer3Lab.CreateAsync(gateways: 1, clients: 2);
        var gateway = await lab.StartGatewayAsync();
        var smartAgId = await gateway.CreateInstanceAsync(Layer3Lab.CidrBlock);
        await gateway.CreateUserAsync(smartAgId, "l3kicked01");
        await gateway.CreateUserAsync(smartAgId, "l3bystander01");
        var kicked = await lab.ConnectTunAsync(0, gateway, smartAgId, "l3kicked01");
        var bystander = await lab.ConnectTunAsync(1, gateway, smartAgId, "l3bystander01");
        var kickedIp = IPAddress.Parse(kicked.ClientIp!);
        var bystanderIp = IPAddress.Parse(bystander.ClientIp!);

        lab.StartContinuousPing(0);
        using var stop = new CancellationTokenSource();
        using var kickedSocket = lab.ClientSocket(0, SocketType.Dgram, ProtocolType.Udp);
        using var bystanderSocket = lab.ClientSocket(1, SocketType.Dgram, ProtocolType.Udp);
        StrongBox<int> kickedEchoes = new(), bystanderEchoes = new();
        // About 4 Mbit/s for the kicked user (well under its 20 Mbit/s Bandwidth), 0.4 for the other.
        var kickedStream = Layer3Traffic.StreamAsync(kickedSocket, 500, perTick: 10, TimeSpan.FromMilliseconds(10), kickedEchoes, stop.Token);
        var bystanderStream = Layer3Traffic.StreamAsync(bystanderSocket, 500, perTick: 1, TimeSpan.FromMilliseconds(10), bystanderEchoes, stop.Token);
        try
        {
            await Polling.UntilAsync(() => Task.FromResult((Udp: lab.Udp.Arrivals.Count(a => a.Source.Equals(kickedIp)), Icmp: lab.Icmp.Requests.Count(s => s.Equals(kickedIp)))),
                seen => seen.Udp >= 100 && seen.Icmp >= 10, StepTimeout, "the kicked user's UDP stream and ping reaching the private host");

            await gateway.KickOutAsync(smartAgId, "l3kicked01");
            var fences = await Task.WhenAll(lab.Udp.FenceAsync(), lab.Icmp.FenceAsync());
            var bystanderEchoesAtKick = Volatile.Read(ref bystanderEchoes.Value);

            Assert.Equal(4, await kicked.WaitForExitAsync(StepTimeout));
            Assert.False(await lab.HasInterfaceAsync(0, kicked.Interface!), $"the kicked client's {kicked.Interface} is still there\n{kicked.Output}");
            // The other user goes on through the same gateway and TUN: 50 more echoes is half a second of its stream.
            await Polling.UntilAsync(() => Task.FromResult(Volatile.Read(ref bystanderEchoes.Value)), n => n >= bystanderEchoesAtKick + 50, StepTimeout,
                "the other user's UDP echoes after the kick");

            await stop.CancelAsync();
            var kickedSent = await kickedStream;
            await bystanderStream;

            var udpAfter = lab.Udp.Arrivals.Skip(fences[0] + 1).Where(a => a.Source.Equals(kickedIp)).ToList();
            var icmpAfter = lab.Icmp.Requests.Skip(fences[1] + 1).Count(s => s.Equals(kickedIp));
            Assert.True(udpAfter.Count == 0,
                $"{udpAfter.Count} UDP datagrams of the kicked session (of {kickedSent} sent) reached the private host after KickOutClients "
                + $"answered, sequence numbers {string.Join(' ', udpAfter.Take(10).Select(a => a.Sequence))}…\n{gateway.Server.Output}");
            Assert.True(icmpAfter == 0, $"{icmpAfter} pings of the kicked session reached the private host after KickOutClients answered\n{gateway.Server.Output}");
            Assert.Contains(lab.Udp.Arrivals.Skip(fences[0] + 1), a => a.Source.Equals(bystanderIp));
        }
        finally
        {
            await stop.CancelAsync();
        }

        Assert.Equal(bystander.ClientIp, Assert.Single(await gateway.OnlineClientsAsync(smartAgId, "l3bystander01")).ClientIp);
        Assert.False(bystander.HasExited, bystander.Output);

        // Not banned: a fresh login of the kicked user comes online and its packets flow again.
        var again = await lab.ConnectTunAsync(0, gateway, smartAgId, "l3kicked01");
        var (sent, received, output) = await lab.PingAsync(0, 3);
        Assert.True(sent == 3 && received == 3, $"{output}\n{again.Output}");
        Assert.Equal(again.ClientIp, Assert.Single(await gateway.OnlineClientsAsync(smartAgId, "l3kicked01")).ClientIp);
    }

    /// <summary>
    /// The same promise when the client does not play along: the gateway's TCP to it is blackholed just before the kick,
    /// so it never hears the goodbye and goes on sealing the stream's datagrams with the session's keys and sending them
    /// by UDP (its link's packet count shows it). The real client stops sending on the goodbye, which the answer waits
    /// for, so only a client like this one shows whether the gateway itself stops a kicked session's packets.
    /// </summary>
    [NetworkNamespaceFact]
    public async Task Kick_ClientThatMissesTheGoodbye_ItsDatagramsStopAtTheGatewayFromTheAnswerOn()
    {
        await using var lab = await Layer3Lab.CreateAsync(gateways: 1, clients: 1);
        // Without shaping: a closed session's bandwidth share refuses packets too, which would hide whether the packet
        // state itself is gone before the answer.
        var gateway = await lab.StartGatewayAsync(0, "--no-shaping");
        var smartAgId = await gateway.CreateInstanceAsync(Layer3Lab.CidrBlock);
        await gateway.CreateUserAsync(smartAgId, "l3deaf01");
        var kicked = await lab.ConnectTunAsync(0, gateway, smartAgId, "l3deaf01");
        var kickedIp = IPAddress.Parse(kicked.ClientIp!);

        lab.StartContinuousPing(0);
        using var stop = new CancellationTokenSource();
        using var socket = lab.ClientSocket(0, SocketType.Dgram, ProtocolType.Udp);
        var stream = Layer3Traffic.StreamAsync(socket, 500, perTick: 5, TimeSpan.FromMilliseconds(10), new StrongBox<int>(), stop.Token);
        try
        {
            await Polling.UntilAsync(() => Task.FromResult((Udp: lab.Udp.Arrivals.Count(a => a.Source.Equals(kickedIp)), Icmp: lab.Icmp.Requests.Count(s => s.Equals(kickedIp)))),
                seen => seen.Udp >= 100 && seen.Icmp >= 10, StepTimeout, "the kicked user's UDP stream and ping reaching the private host");

            // On the gateway's side, so the client's TCP sees nothing at all (a blackhole on its own side fails its sends,
            // and it would notice, drop the data channel and reconnect): the goodbye never arrives, the connection looks idle.
            await lab.GatewayNamespaces[0].IpAsync("rule", "add", "ipproto", "tcp", "sport", Layer3Lab.GatewayPort.ToString(CultureInfo.InvariantCulture), "blackhole");
            await gateway.KickOutAsync(smartAgId, "l3deaf01");
            var fences = await Task.WhenAll(lab.Udp.FenceAsync(), lab.Icmp.FenceAsync());
            var sentAtAnswer = await lab.ClientLinkSentPacketsAsync(0);

            // Half a second of the stream and the ping (about 300 datagrams) still sent to the gateway by UDP.
            await Polling.UntilAsync(() => lab.ClientLinkSentPacketsAsync(0), sent => sent >= sentAtAnswer + 300, StepTimeout,
                "the deaf client's datagrams to the gateway after the kick");
            await lab.Udp.FenceAsync();
            await lab.Icmp.FenceAsync();

            var udpAfter = lab.Udp.Arrivals.Skip(fences[0] + 1).Where(a => a.Source.Equals(kickedIp)).ToList();
            var icmpAfter = lab.Icmp.Requests.Skip(fences[1] + 1).Count(s => s.Equals(kickedIp));
            Assert.True(udpAfter.Count == 0 && icmpAfter == 0,
                $"{udpAfter.Count} UDP datagrams and {icmpAfter} pings of the kicked session reached the private host after KickOutClients answered\n{lab.Describe()}");
            Assert.False(kicked.HasExited, "the client heard of the kick after all, so this test showed nothing of the gateway\n" + kicked.Output);
        }
        finally
        {
            await stop.CancelAsync();
            await stream;
        }
    }
}
