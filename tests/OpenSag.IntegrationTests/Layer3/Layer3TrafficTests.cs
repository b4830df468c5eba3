using System.Net;
using System.Net.Sockets;
using OpenSag.IntegrationTests.Gateway;
using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.Layer3;

/// <summary>
/// Issue 11's first two test items, with the real <c>opensag serve --tun</c> and <c>opensag connect --tun</c> in the
/// lab's namespaces: ping, a UDP echo and an 8 MiB TCP transfer (checksummed) reach the private network over each
/// transport, and the private host sees exactly each session's ClientIp, the one DescribeUserOnlineClients lists: two
/// users get different addresses, and a user with a static ClientIp gets that one.
/// </summary>
public sealed class Layer3TrafficTests
{
    /// <summary>The second user's static ClientIp: inside the instance's block, far from where dynamic leases start.</summary>
    private const string StaticClientIp = "198.19.64.200";

    private const int TransferBytes = 8 * 1024 * 1024;

    [NetworkNamespaceFact]
    public Task Tun_OverUdp_PingUdpEchoAndTcpReachThePrivateHostFromEachClientIp() => TrafficAsync("udp");

    [NetworkNamespaceFact]
    public Task Tun_OverTls_PingUdpEchoAndTcpReachThePrivateHostFromEachClientIp() => TrafficAsync("tls");

    private static async Task TrafficAsync(string transport)
    {
        await using var lab = await Layer3Lab.CreateAsync(gateways: 1, clients: 2);
        var gateway = await lab.StartGatewayAsync();
        var smartAgId = await gateway.CreateInstanceAsync(Layer3Lab.CidrBlock);
        await gateway.CreateUserAsync(smartAgId, "l3dynamic01");
        await gateway.CallOkAsync("CreateSmartAccessGatewayClientUser", new()
        {
            ["SmartAGId"] = smartAgId,
            ["UserName"] = "l3static01",
            ["Password"] = GatewayScenario.Password,
            ["UserMail"] = "l3static01@example.com",
            ["Bandwidth"] = "20000",
            ["ClientIp"] = StaticClientIp,
        });

        var dynamicClient = await lab.ConnectTunAsync(0, gateway, smartAgId, "l3dynamic01", transport);
        var staticClient = await lab.ConnectTunAsync(1, gateway, smartAgId, "l3static01", transport, "--tun-name", "osag-static");

        Assert.Equal("opensag0", dynamicClient.Interface);
        Assert.Equal("osag-static", staticClient.Interface);
        Assert.Equal(StaticClientIp, staticClient.ClientIp);
        Assert.NotEqual(staticClient.ClientIp, dynamicClient.ClientIp);
        Assert.True(IPNetwork.Parse(Layer3Lab.CidrBlock).Contains(IPAddress.Parse(dynamicClient.ClientIp!)), dynamicClient.Output);
        Assert.Equal(dynamicClient.ClientIp, Assert.Single(await gateway.OnlineClientsAsync(smartAgId, "l3dynamic01")).ClientIp);
        Assert.Equal(StaticClientIp, Assert.Single(await gateway.OnlineClientsAsync(smartAgId, "l3static01")).ClientIp);

        foreach (var (client, index) in new[] { (dynamicClient, 0), (staticClient, 1) })
        {
            var clientIp = IPAddress.Parse(client.ClientIp!);
            var (sent, received, output) = await lab.PingAsync(index, 5);
            Assert.True(sent == 5 && received == 5, $"{output}\n{client.Output}\n{gateway.Server.Output}");
            Assert.Equal(5, lab.Icmp.Requests.Count(source => source.Equals(clientIp)));

            using (var udp = lab.ClientSocket(index, SocketType.Dgram, ProtocolType.Udp))
            {
                await Layer3Traffic.EchoAsync(udp, count: 20, size: 1200, describe: lab.Describe);
            }

            Assert.Equal(20, lab.Udp.Arrivals.Count(a => a.Source.Equals(clientIp)));

            using var tcp = lab.ClientSocket(index, SocketType.Stream, ProtocolType.Tcp);
            var sha256 = await Layer3Traffic.SendToSinkAsync(tcp, TransferBytes, Layer3Lab.TrafficTimeout);
            var sunk = await lab.Tcp.NextAsync(Layer3Lab.TrafficTimeout);
            Assert.Equal((clientIp, (long)TransferBytes, sha256), (sunk.Peer, sunk.Bytes, sunk.Sha256));
        }

        // Nothing reached the private host from anywhere but the two sessions' addresses (no source rewriting, no leak
        // of the clients' own link addresses).
        Assert.All(lab.Udp.Arrivals, a => Assert.Contains(a.Source.ToString(), new[] { dynamicClient.ClientIp, StaticClientIp }));
    }
}
