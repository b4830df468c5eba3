using System.Net;
using OpenSag.Gateway.DataChannel;

namespace OpenSag.Gateway.Packets;

/// <summary>The layer-3 data path's settings (<c>serve --tun NAME --udp-listen HOST:PORT --client-routes CIDR,…</c>).</summary>
/// <param name="TunName">The gateway's TUN interface; every instance's CidrBlock is routed to it.</param>
/// <param name="UdpListen">Where the UDP data channel listens (port 0 picks a free one).</param>
/// <param name="ClientRoutes">Networks pushed to clients as routes through their interface.</param>
/// <param name="Cipher">The AEAD offered to every session.</param>
public sealed record Layer3Options(string TunName, IPEndPoint UdpListen, IReadOnlyList<IPNetwork> ClientRoutes, DataCipher Cipher = DataCipher.Aes256Gcm)
{
    /// <summary>How often the routes to the TUN are checked against the stored CidrBlocks, besides after each change on
    /// this node: another node of a cluster may change a block.</summary>
    public TimeSpan RouteReconcileInterval { get; init; } = TimeSpan.FromSeconds(10);
}
