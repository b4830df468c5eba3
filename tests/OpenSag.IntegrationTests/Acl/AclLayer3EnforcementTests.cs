using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using OpenSag.IntegrationTests.Layer3;
using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.Acl;

/// <summary>
/// ACL rules on the layer-3 path (issue 12 item 4, DESIGN.md §4.1 and §6), in the namespaces of <see cref="Layer3Lab"/>
/// with a real <c>opensag connect --tun</c>: a drop rule stops ping and UDP to that destination at the gateway (counted
/// as <c>acl</c> on the session), what no rule drops still passes, and deleting the rules restores it at once.
/// </summary>
public sealed partial class AclLayer3EnforcementTests
{
    /// <summary>Sequence numbers of the datagrams sent while the drop rule is in force (the echo test's own count from 0).</summary>
    private const long DroppedSequence = 1000;

    [NetworkNamespaceFact]
    public async Task DropRules_PingAndUdpToTheServer_StoppedAndCountedTcpStillPasses_DeletingThemRestores()
    {
        const string user = "l3aclrules01";
        await using var lab = await Layer3Lab.CreateAsync(gateways: 1, clients: 1);
        var gateway = await lab.StartGatewayAsync();
        var smartAgId = await gateway.CreateInstanceAsync(Layer3Lab.CidrBlock);
        await gateway.CreateUserAsync(smartAgId, user);
        var aclId = await gateway.CreateAssociatedAclAsync(smartAgId, "layer3-drop");
        var client = await lab.ConnectTunAsync(0, gateway, smartAgId, user);
        var clientIp = IPAddress.Parse(client.ClientIp!);
        var server = Layer3Lab.PrivateServerIp + "/32";
        Assert.Equal(1, (await lab.PingAsync(0, 1)).Received);

        var dropPing = await gateway.AddRuleAsync(aclId, "out", "drop", "ICMP", server, "-1/-1");
        var dropUdp = await gateway.AddRuleAsync(aclId, "out", "drop", "UDP", server,
            string.Create(CultureInfo.InvariantCulture, $"{PrivateUdpServer.Port}/{PrivateUdpServer.Port}"));

        var (pingsSent, pingsAnswered, pingOutput) = await lab.PingAsync(0, 3);
        Assert.True(pingsSent == 3 && pingsAnswered == 0, $"{pingsAnswered} of {pingsSent} pings answered under an ICMP drop rule.\n{pingOutput}\n{lab.Describe()}");
        using (var udp = lab.ClientSocket(0, SocketType.Dgram, ProtocolType.Udp))
        {
            var datagram = new byte[100];
            for (var i = 0; i < 5; i++)
            {
                BinaryPrimitives.WriteInt64LittleEndian(datagram, DroppedSequence + i);
                await udp.SendToAsync(datagram, Layer3Traffic.UdpServer);
            }
        }

        // TCP to the same host: no rule drops it.
        using (var tcp = lab.ClientSocket(0, SocketType.Stream, ProtocolType.Tcp))
        {
            var sha256 = await Layer3Traffic.SendToSinkAsync(tcp, 64 * 1024, Layer3Lab.TrafficTimeout);
            Assert.Equal(sha256, (await lab.Tcp.NextAsync(Layer3Lab.TrafficTimeout)).Sha256);
        }

        // The TCP transfer came after the datagrams on the same path: had any got through, it would be here by now.
        await lab.Udp.FenceAsync();
        Assert.DoesNotContain(lab.Udp.Arrivals, a => a.Source.Equals(clientIp) && a.Sequence >= DroppedSequence);

        await gateway.DeleteRuleAsync(aclId, dropPing);
        await gateway.DeleteRuleAsync(aclId, dropUdp);

        Assert.Equal(1, (await lab.PingAsync(0, 1)).Received);
        using (var udp = lab.ClientSocket(0, SocketType.Dgram, ProtocolType.Udp))
        {
            await Layer3Traffic.EchoAsync(udp, count: 3, size: 100, describe: lab.Describe);
        }

        // The gateway, not the network, dropped them: the session's close line counts 3 pings and 5 datagrams.
        Assert.Equal(0, await client.StopAsync());
        var output = await Polling.UntilAsync(() => Task.FromResult(gateway.Server.Output),
            o => o.Contains($"Session {client.SessionId} ", StringComparison.Ordinal) && o.Contains("closed", StringComparison.Ordinal),
            Layer3Lab.TrafficTimeout, "the session's close line");
        var closeLine = output.Split('\n').Single(l => l.Contains($"Session {client.SessionId} ", StringComparison.Ordinal) && l.Contains("closed", StringComparison.Ordinal));
        var counted = AclDrops().Match(closeLine);
        Assert.True(counted.Success && int.Parse(counted.Groups[1].Value, CultureInfo.InvariantCulture) >= 8, $"the close line does not count the 8 packets the ACL dropped: {closeLine}");
    }

    [GeneratedRegex(@"\bacl (\d+)")]
    private static partial Regex AclDrops();
}
