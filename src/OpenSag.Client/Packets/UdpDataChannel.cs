using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using OpenSag.Gateway.DataChannel;
using OpenSag.Gateway.Protocol;

namespace OpenSag.Client.Packets;

/// <summary>
/// One session's UDP data channel (DESIGN.md §4.1): packets from the interface sealed with the offer's key to the
/// gateway and sent to the gateway's UDP port on the host the client dialled; datagrams from the gateway opened
/// with the key to the client and written to the interface. A dedicated thread receives with blocking calls into
/// one preallocated buffer; a datagram that does not open (malformed, another index, forged, replayed) is dropped
/// and counted in <see cref="Drops"/>, never thrown. A keepalive (an empty sealed packet) goes out at once and every
/// <see cref="KeepaliveInterval"/>; the gateway answers each, so <see cref="Answered"/> tells that UDP works both ways.
/// </summary>
/// <remarks>
/// The socket is not connected: any source may answer, since only a datagram that opens with the session's key is
/// accepted (a gateway listening on a wildcard address may answer from another of its addresses), and a port
/// unreachable for an early datagram does not turn into an error on the next receive.
/// </remarks>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal sealed class UdpDataChannel : IPacketSink, IDisposable
{
    /// <summary>10 s, as the contract says: well inside the 30 s that common NAT and conntrack UDP mappings live idle.</summary>
    public static readonly TimeSpan KeepaliveInterval = TimeSpan.FromSeconds(10);

    /// <summary>4 MiB of socket receive buffer: about 2,900 full datagrams, 35 ms at 1 Gbit/s.</summary>
    private const int ReceiveBuffer = 4 * 1024 * 1024;

    /// <summary>Room for the largest IP packet sealed: 65535 plus header and tag.</summary>
    private const int MaxDatagram = 65535 + TransportMessage.Overhead;

    private readonly ClientInterface _tun;
    private readonly Socket _socket;
    private readonly SocketAddress _gateway;
    private readonly PacketSealer _sealer;
    private readonly PacketOpener _opener;
    private readonly uint _clientIndex;
    private readonly byte[] _datagram = new byte[MaxDatagram];
    private readonly DatagramBatch _batch;
    private readonly TaskCompletionSource _answered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Thread _receiver;
    private readonly ITimer _keepalive;
    private int _disposed;

    /// <summary>Opens the socket, starts receiving and sends the first keepalive.</summary>
    /// <exception cref="SocketException">No socket could be opened for the gateway's address family.</exception>
    /// <exception cref="FormatException">The offer's keys are not base64.</exception>
    /// <exception cref="ArgumentException">The offer's cipher is unknown or a key is not 32 bytes.</exception>
    public UdpDataChannel(ClientInterface tun, DataChannelOffer offer, IPEndPoint gateway, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(offer);
        ArgumentNullException.ThrowIfNull(gateway);
        _tun = tun;
        _socket = new Socket(gateway.AddressFamily, SocketType.Dgram, ProtocolType.Udp)
        {
            // Measured: with the default (net.core.rmem_default, 208 KiB: about 140 full datagrams) a download through
            // the interface lost one datagram in seven to receive-buffer overflow (RcvbufErrors in /proc/net/snmp)
            // whenever this thread was descheduled, and TCP halved its window each time. The kernel caps the request
            // at net.core.rmem_max (as a WireGuard endpoint asks for 7 MiB, granted up to its own cap).
            ReceiveBufferSize = ReceiveBuffer,
        };
        PacketSealer? sealer = null;
        var toGateway = Array.Empty<byte>();
        var toClient = Array.Empty<byte>();
        try
        {
            _socket.Bind(new IPEndPoint(gateway.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0));
            var cipher = DataChannelKeys.Cipher(offer);
            toGateway = DataChannelKeys.Key(offer.KeyToGateway);
            toClient = DataChannelKeys.Key(offer.KeyToClient);
            sealer = new PacketSealer(cipher, toGateway, offer.GatewayIndex);
            _opener = new PacketOpener(cipher, toClient);
            _sealer = sealer;
        }
        catch
        {
            sealer?.Dispose();
            _socket.Dispose();
            throw;
        }
        finally
        {
            // The sealer and opener hold their own copies, which they clear on dispose.
            CryptographicOperations.ZeroMemory(toGateway);
            CryptographicOperations.ZeroMemory(toClient);
        }

        // A full packet at the interface's MTU, sealed, is one segment: a bulk upload reads a burst of those from the
        // interface between two waits, and sends them in one system call.
        _batch = new DatagramBatch(_socket, Math.Clamp(offer.Mtu, 68, TransportMessage.Mtu * 4) + TransportMessage.Overhead);
        _clientIndex = offer.ClientIndex;
        _gateway = gateway.Serialize();
        Endpoint = gateway;
        _receiver = new Thread(ReceiveLoop) { IsBackground = true, Name = "opensag udp receive" };
        _receiver.Start();
        _keepalive = time.CreateTimer(_ => SendKeepalive(), null, TimeSpan.Zero, KeepaliveInterval);
    }

    /// <summary>The gateway's UDP endpoint.</summary>
    public IPEndPoint Endpoint { get; }

    /// <summary>Completes with the first datagram from the gateway that opened: UDP works both ways.</summary>
    public Task Answered => _answered.Task;

    /// <summary>Datagrams received and dropped, by reason.</summary>
    public DropCounters Drops { get; } = new();

    /// <inheritdoc/>
    public bool TrySend(ReadOnlyMemory<byte> packet)
    {
        try
        {
            // Only the interface's reading thread sends packets, so the one datagram buffer is never shared.
            var length = _sealer.Seal(packet.Span, _datagram);
            _ = _batch.Add(_datagram.AsSpan(0, length), _gateway);
            return true;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or InvalidOperationException)
        {
            // No route while the network is down, or the session is closing (or, after 2^60 datagrams, needs new
            // keys, which only a new session brings): the packet is lost, as on any link.
            return false;
        }
    }

    /// <inheritdoc/>
    public void Flush()
    {
        try
        {
            _batch.Flush();
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // As in TrySend: the burst is lost, as on any link.
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _keepalive.Dispose();
        // Closing the socket wakes the blocked receive (the runtime shuts the socket down first).
        _socket.Dispose();
        _receiver.Join(TimeSpan.FromSeconds(2));
        _sealer.Dispose();
        _opener.Dispose();
    }

    private void SendKeepalive()
    {
        // A buffer of its own: the timer's thread must not share the interface thread's datagram buffer.
        Span<byte> keepalive = stackalloc byte[TransportMessage.Overhead];
        try
        {
            var length = _sealer.Seal([], keepalive);
            _socket.SendTo(keepalive[..length], SocketFlags.None, _gateway);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // The next keepalive tries again; a closing channel stops the timer.
        }
    }

    private void ReceiveLoop()
    {
        var datagram = new byte[MaxDatagram];
        while (true)
        {
            int length;
            try
            {
                length = _socket.Receive(datagram);
            }
            catch (SocketException) when (Volatile.Read(ref _disposed) == 0)
            {
                // An ICMP error reported on the socket, or an interrupted call: the socket is still good.
                continue;
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return;
            }

            if (Volatile.Read(ref _disposed) != 0)
            {
                return;
            }

            var received = datagram.AsSpan(0, length);
            if (!TransportMessage.TryReadReceiverIndex(received, out var index))
            {
                Drops.Add(PacketDropReason.Malformed);
                continue;
            }

            if (index != _clientIndex)
            {
                Drops.Add(PacketDropReason.UnknownIndex);
                continue;
            }

            // In place: the plaintext takes the ciphertext's own bytes.
            var packet = datagram.AsSpan(TransportMessage.HeaderLength);
            var result = _opener.Open(received, packet, out var packetLength);
            if (result != OpenResult.Accepted)
            {
                Drops.Add(result switch
                {
                    OpenResult.Forged => PacketDropReason.Forged,
                    OpenResult.Replayed => PacketDropReason.Replayed,
                    _ => PacketDropReason.Malformed,
                });
                continue;
            }

            _answered.TrySetResult();
            // Length 0 is the gateway's keepalive answer: it has done its work by arriving.
            if (packetLength > 0)
            {
                _tun.TryWrite(packet[..packetLength]);
            }
        }
    }
}
