using System.Net;
using System.Net.Sockets;

namespace OpenSag.Gateway.DataChannel;

/// <summary>
/// Sends a burst of equal-sized datagrams to one destination as one system call with UDP generic segmentation offload
/// (UDP_SEGMENT, Linux 4.18): the kernel builds one large buffer and takes it through its UDP, IP and routing code once,
/// cutting it into datagrams of <c>segmentSize</c> bytes only at the device (or at the receiving socket, across a veth).
/// Measured on the layer-3 upload (bench <c>layer3</c>, 1 stream): the client's TUN thread spent ~9 µs per packet, most
/// of it in the kernel's sendto.
/// <para>
/// <see cref="Add"/> queues a datagram; a shorter one ends the burst (only the last segment may be short), as do a new
/// destination, a full batch and <see cref="Flush"/>, which the caller runs when it has nothing more to send at once
/// (its TUN is empty). Where the kernel refuses segmentation (before 4.18, or EIO from a device without checksum
/// offload), the batch falls back to one send per datagram for the rest of its life. One thread uses a batch.
/// </para>
/// </summary>
public sealed class DatagramBatch
{
    private const int SolUdp = 17;
    private const int UdpSegment = 103;
    private const int EIo = 5;

    /// <summary>UDP_MAX_SEGMENTS of Linux 4.18–6.x (later kernels allow 128): more in one send is refused.</summary>
    private const int MaxSegments = 64;

    /// <summary>The largest UDP payload of one send (65,535 − 8 UDP − 20 IPv4 header; IPv6 allows 8 bytes more).</summary>
    private const int MaxSend = 65_507;

    private readonly Socket _socket;
    private readonly int _segmentSize;
    private readonly int _capacity;
    private readonly byte[] _buffer;
    private SocketAddress? _destination;
    private int _length;
    private int _count;
    private bool _offload;

    /// <summary>Turns on segmentation at <paramref name="segmentSize"/> bytes for <paramref name="socket"/> (where the kernel can).</summary>
    /// <param name="socket">A UDP socket; a datagram longer than <paramref name="segmentSize"/> is sent with segmentation off for that send.</param>
    /// <param name="segmentSize">The size of a full datagram: the data channel's MTU sealed (<see cref="TransportMessage.Mtu"/> + <see cref="TransportMessage.Overhead"/>).</param>
    public DatagramBatch(Socket socket, int segmentSize)
    {
        ArgumentNullException.ThrowIfNull(socket);
        ArgumentOutOfRangeException.ThrowIfLessThan(segmentSize, 1);
        _socket = socket;
        _segmentSize = segmentSize;
        _capacity = Math.Min(MaxSegments, MaxSend / segmentSize);
        _buffer = GC.AllocateUninitializedArray<byte>(_capacity * segmentSize, pinned: true);
        _offload = _capacity > 1 && TrySetSegmentSize(segmentSize);
    }

    /// <summary>Whether sends are segmented by the kernel (false: one send per datagram).</summary>
    public bool Offloaded => _offload;

    /// <summary>
    /// Queues <paramref name="datagram"/> for <paramref name="destination"/>, sending what was queued first when the
    /// destination changes, and the batch when it is full or this datagram is shorter than a segment.
    /// </summary>
    /// <returns>True when the datagram waits in the batch for a later send; false when it has been sent.</returns>
    /// <exception cref="SocketException">The send failed (no route, the buffer full): the batch is lost, as on any network.</exception>
    /// <exception cref="ObjectDisposedException">The socket is closed.</exception>
    public bool Add(ReadOnlySpan<byte> datagram, SocketAddress destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (!_offload || datagram.Length > _segmentSize)
        {
            Flush();
            SendAlone(datagram, destination);
            return false;
        }

        if (_count > 0 && !destination.Equals(_destination))
        {
            Flush();
        }

        datagram.CopyTo(_buffer.AsSpan(_length));
        _length += datagram.Length;
        _count++;
        _destination = destination;
        if (datagram.Length < _segmentSize || _count == _capacity)
        {
            Flush();
            return false;
        }

        return true;
    }

    /// <summary>Sends what is queued, if anything.</summary>
    /// <exception cref="SocketException">The send failed: the batch is lost.</exception>
    /// <exception cref="ObjectDisposedException">The socket is closed.</exception>
    public void Flush()
    {
        if (_count == 0)
        {
            return;
        }

        var length = _length;
        var destination = _destination!;
        _length = 0;
        _count = 0;
        try
        {
            _socket.SendTo(_buffer.AsSpan(0, length), SocketFlags.None, destination);
        }
        catch (SocketException e) when (e.NativeErrorCode == EIo && length > _segmentSize)
        {
            // The route's device cannot checksum a segmented send (udp_send_skb): one datagram per send from now on.
            _offload = false;
            TrySetSegmentSize(0);
            for (var offset = 0; offset < length; offset += _segmentSize)
            {
                _socket.SendTo(_buffer.AsSpan(offset, Math.Min(_segmentSize, length - offset)), SocketFlags.None, destination);
            }
        }
    }

    private void SendAlone(ReadOnlySpan<byte> datagram, SocketAddress destination)
    {
        if (!_offload || datagram.Length <= _segmentSize)
        {
            _socket.SendTo(datagram, SocketFlags.None, destination);
            return;
        }

        // Longer than a segment (someone raised the TUN's MTU): the socket's segment size would cut it, so it is sent
        // with segmentation off. Rare: two more system calls.
        TrySetSegmentSize(0);
        try
        {
            _socket.SendTo(datagram, SocketFlags.None, destination);
        }
        finally
        {
            TrySetSegmentSize(_segmentSize);
        }
    }

    private bool TrySetSegmentSize(int size)
    {
        // setsockopt(SOL_UDP, UDP_SEGMENT) takes a native int (the kernel reads a u16 from it).
        Span<byte> value = stackalloc byte[sizeof(int)];
        BitConverter.TryWriteBytes(value, size);
        try
        {
            _socket.SetRawSocketOption(SolUdp, UdpSegment, value);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
