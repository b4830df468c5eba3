using System.Buffers.Binary;

namespace OpenSag.Gateway.DataChannel;

/// <summary>
/// Reads what the layer-3 path decides on from an IPv4 packet (RFC 791): addresses, protocol, TCP/UDP ports.
/// Addresses are host-order numbers as <see cref="OpenSag.Domain.Ipv4.ToUInt32"/> makes them (198.18.0.1 =
/// 0xC6120001). The header checksum is not checked: the kernel checks it on the far side of the TUN, and the data
/// channel's tag already vouches for every byte. Allocation-free; never throws.
/// </summary>
public static class Ipv4Header
{
    /// <summary>The smallest header: 20 bytes, IHL 5.</summary>
    public const int MinLength = 20;

    /// <summary>IP protocol number of TCP.</summary>
    public const byte Tcp = 6;

    /// <summary>IP protocol number of UDP.</summary>
    public const byte Udp = 17;

    /// <summary>Whether the packet's version nibble says IPv4 (tells "not IPv4" from "malformed IPv4" for counting).</summary>
    public static bool IsVersion4(ReadOnlySpan<byte> packet) => packet.Length > 0 && packet[0] >> 4 == 4;

    /// <summary>
    /// Reads source and destination of a well-formed IPv4 packet: version 4, IHL ≥ 5, header within the span, total
    /// length at least the header and at most the span (a packet read from a TUN is exactly its total length; more
    /// bytes after it are ignored). False, with both 0, otherwise.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> packet, out uint source, out uint destination)
    {
        if (HeaderLength(packet) == 0)
        {
            source = destination = 0;
            return false;
        }

        source = BinaryPrimitives.ReadUInt32BigEndian(packet[12..]);
        destination = BinaryPrimitives.ReadUInt32BigEndian(packet[16..]);
        return true;
    }

    /// <summary>The packet's total length field, once <see cref="TryRead"/> would accept it; else 0.</summary>
    public static int TotalLength(ReadOnlySpan<byte> packet) =>
        HeaderLength(packet) == 0 ? 0 : BinaryPrimitives.ReadUInt16BigEndian(packet[2..]);

    /// <summary>Reads the protocol number (6 TCP, 17 UDP, 1 ICMP, …) of a packet <see cref="TryRead"/> accepts.</summary>
    public static bool TryReadProtocol(ReadOnlySpan<byte> packet, out byte protocol)
    {
        var wellFormed = HeaderLength(packet) != 0;
        protocol = wellFormed ? packet[9] : (byte)0;
        return wellFormed;
    }

    /// <summary>
    /// Reads the TCP or UDP ports of a packet <see cref="TryRead"/> accepts. False, with both 0, for other protocols,
    /// for fragments after the first (they carry no ports) and when the first 4 bytes after the header are not within
    /// the total length.
    /// </summary>
    public static bool TryReadPorts(ReadOnlySpan<byte> packet, out byte protocol, out ushort sourcePort, out ushort destinationPort)
    {
        sourcePort = destinationPort = 0;
        var headerLength = HeaderLength(packet);
        protocol = headerLength == 0 ? (byte)0 : packet[9];
        // Fragment offset: the low 13 bits of bytes 6..7; non-zero means a later fragment.
        if (headerLength == 0 || protocol is not (Tcp or Udp) || (BinaryPrimitives.ReadUInt16BigEndian(packet[6..]) & 0x1FFF) != 0
            || BinaryPrimitives.ReadUInt16BigEndian(packet[2..]) < headerLength + 4)
        {
            return false;
        }

        sourcePort = BinaryPrimitives.ReadUInt16BigEndian(packet[headerLength..]);
        destinationPort = BinaryPrimitives.ReadUInt16BigEndian(packet[(headerLength + 2)..]);
        return true;
    }

    /// <summary>
    /// Whether a packet <see cref="TryRead"/> accepts carries a loose or strict source route option (RFC 791 option
    /// types 131 and 137), or options that do not parse: its destination field is then only the first hop, and a
    /// kernel that accepts source routes would forward it on to the addresses in the option, past a check of the
    /// destination alone. False for a header without options (the usual case: one comparison).
    /// </summary>
    public static bool HasSourceRoute(ReadOnlySpan<byte> packet)
    {
        const byte EndOfOptions = 0, NoOperation = 1, LooseSourceRoute = 0x83, StrictSourceRoute = 0x89;
        var headerLength = HeaderLength(packet);
        for (var i = MinLength; i < headerLength;)
        {
            var type = packet[i];
            if (type == EndOfOptions)
            {
                return false;
            }

            if (type == NoOperation)
            {
                i++;
                continue;
            }

            if (type is LooseSourceRoute or StrictSourceRoute || i + 1 >= headerLength || packet[i + 1] < 2 || i + packet[i + 1] > headerLength)
            {
                return true;
            }

            i += packet[i + 1];
        }

        return false;
    }

    // The header's length in bytes when the packet is well-formed IPv4 as TryRead says, else 0.
    private static int HeaderLength(ReadOnlySpan<byte> packet)
    {
        if (packet.Length < MinLength || packet[0] >> 4 != 4)
        {
            return 0;
        }

        var headerLength = (packet[0] & 0x0F) * 4;
        int totalLength = BinaryPrimitives.ReadUInt16BigEndian(packet[2..]);
        return headerLength >= MinLength && headerLength <= totalLength && totalLength <= packet.Length ? headerLength : 0;
    }
}
