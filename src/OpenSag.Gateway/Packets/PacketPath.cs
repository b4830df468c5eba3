using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenSag.Gateway.DataChannel;
using OpenSag.Gateway.Tun;

namespace OpenSag.Gateway.Packets;

/// <summary>A start-up failure of the layer-3 path that an operator can fix; its message is the one line to print.</summary>
public sealed class Layer3StartException(string message) : Exception(message);

/// <summary>
/// The gateway's layer-3 data path (DESIGN.md §4.1): its TUN interface, the UDP data channel's socket, and a dedicated
/// thread for each, in blocking system calls with buffers allocated once (no async state machine, no allocation per
/// packet). <see cref="Open"/> acquires the device and the port at start, so a failure is a one-line start error; the
/// threads run while the host does; stopping closes both (the kernel deletes the TUN, and its routes with it).
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class PacketPath : IHostedService, IDisposable, IPacketWriter, IDatagramSender
{
    /// <summary>The largest UDP payload (65,535 − 8 UDP − 20 IPv4 header): any datagram is read whole and judged, none truncated into a valid one.</summary>
    private const int MaxDatagram = 65_507;

    /// <summary>How often a blocked receive wakes to check for a stop, besides the close that ends it.</summary>
    private static readonly TimeSpan ReceiveWake = TimeSpan.FromMilliseconds(500);

    private readonly TunDevice _tun;
    private readonly Socket _udp;
    private readonly DatagramBatch _tunBatch;
    private ILogger _logger = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
    private PacketForwarder? _forwarder;
    private Thread? _udpThread;
    private Thread? _tunThread;
    private volatile bool _stopping;

    private PacketPath(TunDevice tun, Socket udp)
    {
        _tun = tun;
        _udp = udp;
        // A full packet at the TUN's MTU, sealed, is one segment: a bulk download reads bursts of those.
        _tunBatch = new DatagramBatch(udp, TransportMessage.Mtu + TransportMessage.Overhead);
        UdpEndpoint = (IPEndPoint)udp.LocalEndPoint!;
    }

    /// <summary>The TUN interface's name.</summary>
    public string TunName => _tun.Name;

    /// <summary>Where the data channel listens (with the real port when 0 was asked for).</summary>
    public IPEndPoint UdpEndpoint { get; }

    /// <summary>
    /// Checks IP forwarding, creates the TUN and binds the UDP socket.
    /// </summary>
    /// <exception cref="Layer3StartException">Forwarding is off, the TUN cannot be made, or the UDP port is taken; the message says which and what to do.</exception>
    public static PacketPath Open(Layer3Options options)
    {
        ArgumentNullException.ThrowIfNull(options);
        // Without forwarding the kernel drops what the TUN hands it for the private network: a gateway that accepts
        // logins and forwards nothing. We never change sysctls ourselves: that is the operator's host.
        if (!IpForwarding.IsEnabled())
        {
            throw new Layer3StartException($"--tun {options.TunName}: IP forwarding is off in this network namespace; turn it on with: {IpForwarding.Fix}");
        }

        TunDevice tun;
        try
        {
            tun = TunDevice.Create(options.TunName);
        }
        catch (Exception e) when (e is TunUnavailableException or ArgumentException)
        {
            throw new Layer3StartException($"--tun {options.TunName}: {e.Message}");
        }

        try
        {
            // No address: the TUN only carries routes (RouteKeeper). Its MTU is the clients' (TransportMessage.Mtu), so a
            // packet to a client fits one datagram on a 1500-byte path.
            LinkConfig.SetUp(tun.Name, TransportMessage.Mtu);
        }
        catch (LinkConfigException e)
        {
            tun.Dispose();
            throw new Layer3StartException($"--tun {options.TunName}: cannot bring the interface up: {e.Message}");
        }

        try
        {
            var udp = new Socket(options.UdpListen.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            try
            {
                udp.Bind(options.UdpListen);
                ForceBuffers(udp);
                udp.ReceiveTimeout = (int)ReceiveWake.TotalMilliseconds;
            }
            catch (SocketException e)
            {
                udp.Dispose();
                throw new Layer3StartException(e.SocketErrorCode == SocketError.AddressAlreadyInUse
                    ? $"--udp-listen {options.UdpListen}: UDP port {options.UdpListen.Port} is already in use (another opensag serve, or another program)."
                    : $"--udp-listen {options.UdpListen}: cannot listen: {e.Message}");
            }

            return new PacketPath(tun, udp);
        }
        catch
        {
            tun.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A burst of datagrams waits in the kernel while the thread is busy: 4 MiB each way rather than the default
    /// net.core.rmem_max of 208 KiB, which a 1 Gbit/s burst fills in under 2 ms (measured: a client with the default
    /// dropped 42,546 datagrams in a 5 s download, each a TCP retransmission). SO_RCVBUFFORCE/SO_SNDBUFFORCE pass the
    /// sysctl cap with CAP_NET_ADMIN, which the TUN needs anyway; without it the capped size is what we get.
    /// </summary>
    private static void ForceBuffers(Socket udp)
    {
        const int SolSocket = 1, SoSndBufForce = 32, SoRcvBufForce = 33, Bytes = 4 << 20;
        Span<byte> value = stackalloc byte[sizeof(int)];
        BitConverter.TryWriteBytes(value, Bytes); // setsockopt takes a native int.
        try
        {
            udp.SetRawSocketOption(SolSocket, SoRcvBufForce, value);
            udp.SetRawSocketOption(SolSocket, SoSndBufForce, value);
        }
        catch (SocketException)
        {
            udp.ReceiveBufferSize = Bytes;
            udp.SendBufferSize = Bytes;
        }
    }

    /// <summary>Connects the path to its forwarder and logger (the DI container builds them once the path exists).</summary>
    public void Attach(PacketForwarder forwarder, ILogger logger)
    {
        _forwarder = forwarder;
        _logger = logger;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var forwarder = _forwarder ?? throw new InvalidOperationException("no forwarder attached");
        _udpThread = new Thread(() => ReceiveDatagrams(forwarder)) { IsBackground = true, Name = "opensag udp" };
        _tunThread = new Thread(() => ReadTun(forwarder)) { IsBackground = true, Name = "opensag tun" };
        _udpThread.Start();
        _tunThread.Start();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        Dispose();
        _udpThread?.Join(TimeSpan.FromSeconds(2));
        _tunThread?.Join(TimeSpan.FromSeconds(2));
        return Task.CompletedTask;
    }

    public bool TryWrite(ReadOnlySpan<byte> packet)
    {
        try
        {
            return _tun.TryWrite(packet);
        }
        catch (IOException)
        {
            // The kernel refused it for another reason than its shape (the interface going down): a lost packet.
            return false;
        }
    }

    public void SendTo(ReadOnlySpan<byte> datagram, SocketAddress destination)
    {
        try
        {
            _udp.SendTo(datagram, SocketFlags.None, destination);
        }
        catch (SocketException)
        {
            // An unreachable client, a full buffer: a lost datagram, as on any network.
        }
        catch (ObjectDisposedException)
        {
            // Stopping.
        }
    }

    /// <inheritdoc/>
    public bool Queue(ReadOnlySpan<byte> datagram, SocketAddress destination)
    {
        try
        {
            return _tunBatch.Add(datagram, destination);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // As in SendTo: lost datagrams.
            return false;
        }
    }

    /// <inheritdoc/>
    public void Flush()
    {
        try
        {
            _tunBatch.Flush();
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // As in SendTo: lost datagrams.
        }
    }

    /// <summary>Closes the socket and the TUN (deleting the interface and the routes through it). Idempotent.</summary>
    public void Dispose()
    {
        _stopping = true;
        _udp.Dispose();
        _tun.Dispose();
    }

    private void ReceiveDatagrams(PacketForwarder forwarder)
    {
        var datagram = GC.AllocateUninitializedArray<byte>(MaxDatagram, pinned: true);
        var scratch = GC.AllocateUninitializedArray<byte>(MaxDatagram, pinned: true);
        var reply = new byte[TransportMessage.Overhead];
        var source = new SocketAddress(_udp.AddressFamily);
        while (!_stopping)
        {
            int length;
            try
            {
                length = _udp.ReceiveFrom(datagram, SocketFlags.None, source);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock or SocketError.ConnectionReset or SocketError.MessageSize)
            {
                continue;
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                if (!_stopping)
                {
                    _logger.LogError("The data channel's UDP socket failed: {Message}", e.Message);
                }

                return;
            }

            try
            {
                forwarder.FromDatagram(datagram.AsSpan(0, length), source, scratch, reply);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // A bug must not end the data channel for every session: logged, and the loop goes on.
                _logger.LogError(e, "A datagram could not be processed");
            }
        }
    }

    private void ReadTun(PacketForwarder forwarder)
    {
        var packet = GC.AllocateUninitializedArray<byte>(MaxDatagram, pinned: true);
        var datagram = GC.AllocateUninitializedArray<byte>(MaxDatagram + TransportMessage.Overhead, pinned: true);
        while (!_stopping)
        {
            int length;
            try
            {
                if (!_tun.TryRead(packet, out length))
                {
                    // The TUN is empty: the burst's datagrams go now, in one send, before this thread waits.
                    forwarder.FlushNetwork();
                    length = _tun.Read(packet);
                }
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                if (!_stopping)
                {
                    _logger.LogError("The TUN interface {Name} failed: {Message}", _tun.Name, e.Message);
                }

                return;
            }

            if (length == 0)
            {
                return; // Disposed.
            }

            try
            {
                forwarder.FromNetwork(packet.AsSpan(0, length), datagram);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                _logger.LogError(e, "A packet from {Name} could not be processed", _tun.Name);
            }
        }
    }
}
