using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using OpenSag.AccessControl;
using OpenSag.Gateway.DataChannel;
using OpenSag.Gateway.Tunnels;

namespace OpenSag.Gateway.Packets;

/// <summary>Where packets from clients go: the gateway's TUN (a test double in unit tests).</summary>
public interface IPacketWriter
{
    /// <summary>Writes one IP packet; false when the kernel refused it (a malformed packet).</summary>
    bool TryWrite(ReadOnlySpan<byte> packet);
}

/// <summary>Where sealed datagrams to clients go: the data channel's UDP socket (a test double in unit tests).</summary>
public interface IDatagramSender
{
    /// <summary>Sends one datagram now (a lost one is not reported: UDP).</summary>
    void SendTo(ReadOnlySpan<byte> datagram, SocketAddress destination);

    /// <summary>
    /// Queues one datagram of a burst (from the TUN's reading thread only) to be sent with the next ones in one system
    /// call (<see cref="DatagramBatch"/>); true when it waits for a later send or <see cref="Flush"/>, false when it has
    /// gone. Without batching: sent at once.
    /// </summary>
    bool Queue(ReadOnlySpan<byte> datagram, SocketAddress destination)
    {
        SendTo(datagram, destination);
        return false;
    }

    /// <summary>Sends what <see cref="Queue"/> holds (the TUN's reading thread, when the TUN is empty).</summary>
    void Flush()
    {
    }
}

/// <summary>
/// The checks of the layer-3 path (DESIGN.md §4.1), for one packet at a time and without allocating. From a client
/// (a UDP datagram, or a packet of its TLS fallback): an IPv4 packet whose source is the session's ClientIp
/// ("spoofed" otherwise), to a destination <c>--tunnel-allow</c> allows ("denied"), that the instance's ACL accepts as
/// <c>out</c> ("acl"), within the user's Bandwidth ("policed"), counted, written to the TUN. From the TUN: to the
/// session holding the destination ClientIp ("no-session"), from a source the policy allows, that the ACL accepts as
/// <c>in</c> ("acl"), policed, counted, sealed and sent where the client is. Every
/// drop is counted by reason, on the peer or node-wide; none throws.
/// </summary>
public sealed class PacketForwarder(PacketRouter router, DestinationPolicy policy, bool shaping, IPacketWriter tun, IDatagramSender udp, TimeProvider time, ILogger logger)
{
    /// <summary>An unknown index is what a client of a restarted gateway (or a scanner) sends: worth a line, not a flood.</summary>
    private static readonly TimeSpan UnknownIndexLogInterval = TimeSpan.FromMinutes(1);

    private long _unknownIndexLoggedAt = long.MinValue;

    /// <summary>
    /// The peer whose sealed datagrams wait in the sender's batch (TUN thread only), entered once more until they are
    /// sent: retiring it (a kick, the session's close) waits for them, so from the API's answer on not one datagram of
    /// the session leaves. Held for one batch at most (45 datagrams, a few hundred µs).
    /// </summary>
    private PacketPeer? _held;

    /// <summary>Drops that belong to no session: unknown receiver indexes, malformed datagrams, packets for no session.</summary>
    public DropCounters NodeDrops { get; } = new();

    /// <summary>
    /// One datagram from <paramref name="source"/>: opened into <paramref name="scratch"/> (at least the datagram's
    /// length), a keepalive answered with one, a packet checked and forwarded. <paramref name="reply"/> (at least
    /// <see cref="TransportMessage.Overhead"/> bytes) holds the keepalive's answer.
    /// </summary>
    public void FromDatagram(ReadOnlySpan<byte> datagram, SocketAddress source, Span<byte> scratch, Span<byte> reply)
    {
        if (!TransportMessage.TryReadReceiverIndex(datagram, out var index))
        {
            NodeDrops.Add(PacketDropReason.Malformed);
            return;
        }

        var peer = router.FindByIndex(index);
        if (peer is null || !peer.TryEnter())
        {
            UnknownIndex(index, source);
            return;
        }

        try
        {
            if (!peer.Forgeries.AllowsOpening(time))
            {
                peer.Drops.Add(PacketDropReason.Throttled);
                return;
            }

            var result = peer.Opener.Open(datagram, scratch, out var length);
            switch (result)
            {
                case OpenResult.Accepted:
                    break;
                case OpenResult.Forged:
                    peer.Drops.Add(PacketDropReason.Forged);
                    peer.Forgeries.NoteForged(time);
                    return;
                case OpenResult.Replayed:
                    peer.Drops.Add(PacketDropReason.Replayed);
                    return;
                default:
                    peer.Drops.Add(PacketDropReason.Malformed);
                    return;
            }

            // Authenticated: the client is where this came from (WireGuard's roaming), for keepalives too.
            peer.SawDatagramFrom(source);
            if (length == 0)
            {
                // A keepalive: answered, so the client knows UDP works both ways (its auto transport waits for this).
                var sealedLength = peer.Sealer.Seal([], reply);
                udp.SendTo(reply[..sealedLength], source);
                return;
            }

            ForwardChecked(peer, scratch[..length]);
        }
        finally
        {
            peer.Exit();
        }
    }

    /// <summary>A packet from the client's TLS fallback (already sealed by TLS), through the same checks as a datagram's.</summary>
    public void FromFallback(PacketPeer peer, ReadOnlySpan<byte> packet)
    {
        ArgumentNullException.ThrowIfNull(peer);
        if (!peer.TryEnter())
        {
            return;
        }

        try
        {
            ForwardChecked(peer, packet);
        }
        finally
        {
            peer.Exit();
        }
    }

    /// <summary>
    /// A packet read from the TUN: to the peer holding its destination, sealed into <paramref name="datagram"/> (at
    /// least the packet's length + <see cref="TransportMessage.Overhead"/>) and sent by UDP, or handed to the peer's
    /// TLS fallback when one is attached.
    /// </summary>
    public void FromNetwork(ReadOnlySpan<byte> packet, Span<byte> datagram)
    {
        if (!Ipv4Header.TryRead(packet, out var source, out var destination))
        {
            // The kernel routes IPv6 (router solicitations, say) into the TUN too: not ours to carry.
            NodeDrops.Add(Ipv4Header.IsVersion4(packet) ? PacketDropReason.Malformed : PacketDropReason.NotIpv4);
            return;
        }

        // Bytes after the header's total length are no packet's: neither sealed nor charged.
        packet = packet[..Ipv4Header.TotalLength(packet)];
        var peer = router.FindByClientIp(destination);
        if (peer is null || !peer.TryEnter())
        {
            NodeDrops.Add(PacketDropReason.NoSession);
            return;
        }

        try
        {
            if (!policy.Allows(source))
            {
                peer.Drops.Add(PacketDropReason.Denied);
                return;
            }

            if (!AclAccepts(peer, AclDirection.In, packet, source, destination))
            {
                peer.Drops.Add(PacketDropReason.Acl);
                return;
            }

            if (shaping && peer.Policer?.TryTakeDownstream(packet.Length) != true)
            {
                peer.Drops.Add(PacketDropReason.Policed);
                return;
            }

            if (peer.Fallback is { } fallback)
            {
                if (!fallback.TrySend(packet))
                {
                    // The client reads its TLS connection slower than packets come: dropped as a policer would.
                    peer.Drops.Add(PacketDropReason.Policed);
                    return;
                }
            }
            else if (peer.Endpoint is { } endpoint)
            {
                var length = peer.Sealer.Seal(packet, datagram);
                if (!ReferenceEquals(_held, peer))
                {
                    FlushNetwork();
                }

                if (!udp.Queue(datagram[..length], endpoint))
                {
                    Release();
                }
                else if (_held is null)
                {
                    if (peer.TryEnter())
                    {
                        _held = peer;
                    }
                    else
                    {
                        // Retiring since this packet entered: it goes now, before this packet leaves the gate.
                        udp.Flush();
                    }
                }
            }
            else
            {
                // Logged in but not heard from by UDP yet, nor by TLS: nowhere to send it.
                peer.Drops.Add(PacketDropReason.NoSession);
                return;
            }

            peer.CountOut(packet.Length);
        }
        finally
        {
            peer.Exit();
        }
    }

    /// <summary>
    /// Sends the datagrams <see cref="FromNetwork"/> queued; the TUN's reading thread calls it when the TUN is empty,
    /// before it waits for the next packet.
    /// </summary>
    public void FlushNetwork()
    {
        udp.Flush();
        Release();
    }

    private void Release()
    {
        if (_held is { } held)
        {
            _held = null;
            held.Exit();
        }
    }

    private void ForwardChecked(PacketPeer peer, ReadOnlySpan<byte> packet)
    {
        if (!Ipv4Header.TryRead(packet, out var source, out var destination))
        {
            peer.Drops.Add(Ipv4Header.IsVersion4(packet) ? PacketDropReason.Malformed : PacketDropReason.NotIpv4);
            return;
        }

        // A datagram or message may carry bytes after the header's total length (Ipv4Header.TryRead accepts that):
        // only the packet goes to the TUN and is policed and counted, not padding a client chose.
        packet = packet[..Ipv4Header.TotalLength(packet)];
        if (source != peer.ClientIp)
        {
            peer.Drops.Add(PacketDropReason.Spoofed);
            return;
        }

        // A source route makes the destination field only the first hop: where the packet ends up is not checked.
        if (!policy.Allows(destination) || Ipv4Header.HasSourceRoute(packet))
        {
            peer.Drops.Add(PacketDropReason.Denied);
            return;
        }

        if (!AclAccepts(peer, AclDirection.Out, packet, source, destination))
        {
            peer.Drops.Add(PacketDropReason.Acl);
            return;
        }

        if (shaping && peer.Policer?.TryTakeUpstream(packet.Length) != true)
        {
            peer.Drops.Add(PacketDropReason.Policed);
            return;
        }

        if (!tun.TryWrite(packet))
        {
            peer.Drops.Add(PacketDropReason.Malformed);
            return;
        }

        peer.CountIn(packet.Length);
    }

    /// <summary>
    /// Whether the ACL of the peer's instance accepts the packet (stateless: each direction on its own, acl12). Ports
    /// are read only when the set has rules; a later fragment or a truncated TCP/UDP header has none, and then only
    /// rules with all ports can match it.
    /// </summary>
    private static bool AclAccepts(PacketPeer peer, AclDirection direction, ReadOnlySpan<byte> packet, uint source, uint destination)
    {
        var rules = peer.Acl.Rules;
        if (rules.Count == 0)
        {
            return true;
        }

        var ported = Ipv4Header.TryReadPorts(packet, out var protocol, out var sourcePort, out var destinationPort);
        return rules.Evaluate(direction, protocol, source, ported ? sourcePort : null, destination, ported ? destinationPort : null).Accepts;
    }

    private void UnknownIndex(uint index, SocketAddress source)
    {
        NodeDrops.Add(PacketDropReason.UnknownIndex);
        var now = time.GetTimestamp();
        var last = Interlocked.Read(ref _unknownIndexLoggedAt);
        if ((last == long.MinValue || time.GetElapsedTime(last, now) >= UnknownIndexLogInterval)
            && Interlocked.CompareExchange(ref _unknownIndexLoggedAt, now, last) == last)
        {
            logger.LogInformation("Dropped a datagram with unknown receiver index {Index} from {Source} (a client of an ended session, or not a client); {Count} such so far, at most one line a minute",
                index, Describe(source), NodeDrops[PacketDropReason.UnknownIndex]);
        }
    }

    /// <summary>
    /// The sender as HOST:PORT. A <see cref="SocketAddress"/> formats itself as its raw bytes
    /// ("InterNetwork:16:{198,187,198,18,…}"), which no operator can read; this runs at most once a minute.
    /// </summary>
    internal static string Describe(SocketAddress source) =>
        source.Family is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6
            ? new IPEndPoint(source.Family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0).Create(source).ToString() ?? source.Family.ToString()
            : source.Family.ToString();
}
