using System.Buffers.Binary;

namespace OpenSag.Gateway.DataChannel;

/// <summary>
/// The layout of one data-channel datagram, WireGuard's transport data message (whitepaper §5.4.6) without its
/// handshake: the keys come from the TLS control channel's <c>DataChannelOffer</c> instead.
/// <code>
/// offset 0      type = 4 (transport data)
/// offset 1..3   reserved, zero
/// offset 4..7   receiver index, uint32 little-endian (chosen by the receiver, names its session)
/// offset 8..15  counter, uint64 little-endian (per direction, from 0, strictly increasing)
/// offset 16..   AEAD ciphertext of one IP packet (length 0 = keepalive), then its 16-byte tag
/// </code>
/// Nonce (12 bytes) = 4 zero bytes + the counter little-endian, as WireGuard's; associated data = the 16-byte header,
/// so index and counter are authenticated too.
/// </summary>
public static class TransportMessage
{
    /// <summary>Byte 0 of a transport data message.</summary>
    public const byte DataType = 4;

    /// <summary>Type, reserved, receiver index, counter.</summary>
    public const int HeaderLength = 16;

    /// <summary>The AEAD tag after the ciphertext (GCM and Poly1305 alike).</summary>
    public const int TagLength = 16;

    /// <summary>What a datagram adds to the IP packet it carries: <see cref="HeaderLength"/> + <see cref="TagLength"/>.</summary>
    public const int Overhead = HeaderLength + TagLength;

    /// <summary>
    /// The MTU of both ends' TUN interfaces: 1500 (Ethernet) − 40 (an IPv6 outer header, the larger) − 8 (UDP) −
    /// 32 (<see cref="Overhead"/>), so a full packet's datagram fits one unfragmented Ethernet frame; WireGuard's choice.
    /// </summary>
    public const int Mtu = 1500 - 40 - 8 - Overhead;

    /// <summary>The largest datagram an honest peer sends: a <see cref="Mtu"/>-byte packet sealed.</summary>
    public const int MaxDatagramLength = Mtu + Overhead;

    /// <summary>
    /// Sealers stop here (WireGuard's REJECT_AFTER_MESSAGES, 2^60); openers reject counters at or above it. A session
    /// that reached it would need fresh keys; at 10 million packets a second it takes 3,600 years.
    /// </summary>
    public const ulong CounterLimit = 1UL << 60;

    /// <summary>
    /// Reads the receiver index of a datagram that has a transport data message's shape: at least
    /// <see cref="Overhead"/> bytes, type 4, reserved bytes zero. False otherwise (nothing else is checked here: the
    /// tag is the opener's job).
    /// </summary>
    public static bool TryReadReceiverIndex(ReadOnlySpan<byte> datagram, out uint index)
    {
        // One 32-bit read checks type and reserved bytes together: little-endian, byte 0 is the low byte.
        if (datagram.Length < Overhead || BinaryPrimitives.ReadUInt32LittleEndian(datagram) != DataType)
        {
            index = 0;
            return false;
        }

        index = BinaryPrimitives.ReadUInt32LittleEndian(datagram[4..]);
        return true;
    }

    internal static void WriteHeader(Span<byte> header, uint receiverIndex, ulong counter)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(header, DataType);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], receiverIndex);
        BinaryPrimitives.WriteUInt64LittleEndian(header[8..], counter);
    }

    internal static ulong ReadCounter(ReadOnlySpan<byte> datagram) => BinaryPrimitives.ReadUInt64LittleEndian(datagram[8..]);

    internal static void WriteNonce(Span<byte> nonce, ulong counter)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(nonce, 0);
        BinaryPrimitives.WriteUInt64LittleEndian(nonce[4..], counter);
    }
}
