using System.Net.Sockets;
using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.Layer3;

/// <summary>
/// The lab itself, before any tunnel: with plain routes in place of the TUN, ping, the UDP echo and the TCP sink work
/// and see the client's link address. If this fails, the layer-3 tests' failures say nothing about OpenSAG.
/// </summary>
public sealed class Layer3LabTests
{
    [NetworkNamespaceFact]
    public async Task RoutedPath_NoTunnel_PingUdpEchoAndTcpTransferReachThePrivateHost()
    {
        await using var lab = await Layer3Lab.CreateAsync(gateways: 1, clients: 1);

        // Without routes the client reaches only its gateway: whatever a later test sees at the private host came through the tunnel.
        var (_, unrouted, _) = await lab.PingAsync(0, 1);
        Assert.Equal(0, unrouted);

        await lab.RouteWithoutTunnelAsync();
        var (sent, received, output) = await lab.PingAsync(0, 3);
        Assert.True(sent == 3 && received == 3, output);
        Assert.Contains(lab.Icmp.Requests, source => source.Equals(Layer3Lab.ClientLinkIp(0)));

        using (var udp = lab.ClientSocket(0, SocketType.Dgram, ProtocolType.Udp))
        {
            await Layer3Traffic.EchoAsync(udp, count: 5, size: 1000);
        }

        Assert.Equal(5, lab.Udp.Arrivals.Count(a => a.Source.Equals(Layer3Lab.ClientLinkIp(0))));

        using var tcp = lab.ClientSocket(0, SocketType.Stream, ProtocolType.Tcp);
        var sha256 = await Layer3Traffic.SendToSinkAsync(tcp, 1024 * 1024, Layer3Lab.TrafficTimeout);
        var sunk = await lab.Tcp.NextAsync(Layer3Lab.TrafficTimeout);
        Assert.Equal((Layer3Lab.ClientLinkIp(0), 1024L * 1024, sha256), (sunk.Peer, sunk.Bytes, sunk.Sha256));
    }
}
