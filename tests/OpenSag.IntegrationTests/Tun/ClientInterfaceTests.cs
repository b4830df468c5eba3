using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using OpenSag.Client.Packets;
using OpenSag.Gateway.DataChannel;
using OpenSag.Gateway.Protocol;
using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.Tun;

/// <summary>
/// The client's interface (<c>connect --tun</c>) for real, in a network namespace of the test's own: what it lets the
/// gateway's packets do on the client's host.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class ClientInterfaceTests
{
    private const string Name = "osagclient0";
    private static readonly IPAddress ClientIp = IPAddress.Parse("198.18.9.1");
    private static readonly IPAddress Server = IPAddress.Parse("198.19.0.20");
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [NetworkNamespaceFact]
    public async Task TryWrite_PacketNotToTheClientIp_NotWrittenToTheHost()
    {
        await using var network = await NetworkNamespace.CreateAsync("tun");
        var (created, socket) = await NamespaceThread.RunAsync(network, () =>
        {
            var client = ClientInterface.Create(Name);
            client.Configure(ClientIp.ToString(), Offer());
            var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            udp.Bind(new IPEndPoint(ClientIp, 0));
            return (client, udp);
        });
        using var tun = created;
        using var udp = socket;
        var port = (ushort)((IPEndPoint)udp.LocalEndPoint!).Port;

        // A gateway (or whoever holds its keys) must not use the client as a router into the client's own networks:
        // only packets to the session's ClientIp are the client's, as the gateway only sends those.
        Assert.False(tun.TryWrite(TunDeviceTests.UdpPacket(Server, 5353, IPAddress.Parse("198.18.9.2"), port, "lan"u8)));
        Assert.False(tun.TryWrite(TunDeviceTests.UdpPacket(Server, 5353, IPAddress.Parse("192.0.2.1"), port, "far"u8)));
        Assert.False(tun.TryWrite([0x60, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]));

        // The packet the client is for still arrives, and only its total length of a longer buffer.
        var reply = TunDeviceTests.UdpPacket(Server, 5353, ClientIp, port, "pong"u8);
        Assert.True(tun.TryWrite([.. reply, 0xEE, 0xEE]));
        var received = new byte[16];
        using var cancel = new CancellationTokenSource(Bound);
        var result = await udp.ReceiveFromAsync(received, new IPEndPoint(IPAddress.Any, 0), cancel.Token);
        Assert.Equal("pong", System.Text.Encoding.ASCII.GetString(received, 0, result.ReceivedBytes));
    }

    private static DataChannelOffer Offer() => new()
    {
        Cipher = DataCiphers.WireName(DataCipher.Aes256Gcm),
        KeyToGateway = Convert.ToBase64String(new byte[32]),
        KeyToClient = Convert.ToBase64String(new byte[32]),
        GatewayIndex = 1,
        ClientIndex = 2,
        UdpPort = 0,
        PrefixLength = 24,
        Mtu = TransportMessage.Mtu,
        Routes = ["198.19.0.0/16"],
    };
}
