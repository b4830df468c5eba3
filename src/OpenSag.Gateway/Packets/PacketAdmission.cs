using System.Net;
using Microsoft.Extensions.Logging;
using OpenSag.Domain;
using OpenSag.Gateway.AccessControl;
using OpenSag.Gateway.DataChannel;
using OpenSag.Gateway.Protocol;
using OpenSag.Gateway.Sessions;
using OpenSag.Gateway.Tun;
using OpenSag.Gateway.Tunnels;

namespace OpenSag.Gateway.Packets;

/// <summary>The UDP port the data channel listens on, as bound (<see cref="PacketPath.UdpEndpoint"/>).</summary>
public sealed record DataChannelPort(int Port);

/// <summary>
/// Gives an admitted session asking for layer 3 (<see cref="LoginRequest.Tun"/>) its data channel: a registered
/// <see cref="PacketPeer"/> the session owns from then on, and the offer the online message carries.
/// </summary>
public sealed class PacketAdmission(GatewayOptions gateway, PacketRouter router, DataChannelPort port, IBlockRoutes routes, FlowMeter flow, UserBandwidth bandwidth, InstanceAcls acls, ILogger<PacketAdmission> logger)
{
    /// <summary>
    /// Routes the instance's block to the TUN if it is not yet (a block made or changed since the last reconcile, here or
    /// on another node), registers the session's peer (its close path removes it) and returns the offer; null when the
    /// session is already ending or the route cannot be made (logged). Call right before publishing the session.
    /// </summary>
    public DataChannelOffer? Admit(GatewaySession session, Instance instance)
    {
        var options = gateway.Layer3 ?? throw new InvalidOperationException("layer 3 is off");
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(instance);
        // Admission gives out only addresses of the block (a lease of it, or a static address the stores check against it).
        var prefixLength = 32;
        if (ClientAddressSpace.TryParse(instance.CidrBlock, out var space))
        {
            prefixLength = space.Network.PrefixLength;
            try
            {
                routes.EnsureRouted(space.Network);
            }
            catch (LinkConfigException e)
            {
                logger.LogError("Session {SessionId} refused: cannot route {Block} to {Tun}: {Message}", session.Info.SessionId, space.Network, options.TunName, e.Message);
                return null;
            }
        }

        var clientIp = Ipv4.ToUInt32(IPAddress.Parse(session.Info.ClientIp));
        if (!router.TryAdd(options.Cipher, clientIp, $"{session.Info.SmartAGId}/{session.Info.UserName}", flow.For(session), out var added))
        {
            logger.LogError("Session {SessionId} refused: ClientIp {ClientIp} is held by another user's session on this gateway (an instance's CidrBlock was changed while its sessions were online and the old block given to another instance?)",
                session.Info.SessionId, session.Info.ClientIp);
            return null;
        }

        var (peer, keyToGateway, keyToClient, clientIndex) = added;
        if (!session.TryAttachPackets(peer, router))
        {
            return null;
        }

        return new DataChannelOffer
        {
            Cipher = DataCiphers.WireName(options.Cipher),
            KeyToGateway = keyToGateway,
            KeyToClient = keyToClient,
            GatewayIndex = peer.GatewayIndex,
            ClientIndex = clientIndex,
            UdpPort = port.Port,
            PrefixLength = prefixLength,
            Mtu = TransportMessage.Mtu,
            Routes = [.. options.ClientRoutes.Select(r => r.ToString())],
        };
    }

    /// <summary>
    /// Gives the session's peer its instance's ACL (loaded when the session was published: <see cref="InstanceAcls"/>)
    /// and the user's bandwidth share, which streams and packets then draw on together; call once the session is
    /// online (a session joins its user's buckets only then), before the client is told so.
    /// </summary>
    public void StartPolicing(GatewaySession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (session.Packets is not { } peer)
        {
            return;
        }

        peer.Acl = acls.Find(session.Info.SmartAGId) ?? InstanceAclSlot.None;
        if (gateway.Shaping)
        {
            peer.Policer = session.JoinBandwidth(bandwidth);
        }
    }
}
