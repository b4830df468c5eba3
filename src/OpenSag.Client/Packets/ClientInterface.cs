using System.Net;
using System.Runtime.Versioning;
using OpenSag.Domain;
using OpenSag.Gateway.DataChannel;
using OpenSag.Gateway.Protocol;
using OpenSag.Gateway.Tun;

namespace OpenSag.Client.Packets;

/// <summary>
/// The client's TUN interface for the whole run of <c>connect --tun</c>, across sessions: created before the first
/// login, given each session's ClientIp, MTU and routes, and removed on exit by closing its descriptor (a
/// non-persistent TUN deletes itself with its addresses and routes). One dedicated thread reads packets from it
/// with blocking reads into one preallocated buffer and hands each to the current session's data channel
/// (<see cref="Attach"/>); between sessions (the network is lost, the client resumes) packets are dropped and the
/// interface stays, so programs keep their sockets and addresses.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class ClientInterface : IDisposable
{
    /// <summary>
    /// The largest packet read from the TUN: an IPv4 packet's total length is 16 bits. Packets are at most the MTU
    /// (1420) unless someone raises it; a bigger buffer costs nothing per packet.
    /// </summary>
    private const int MaxPacket = 65535;

    private readonly TunDevice _device;
    private readonly Thread _reader;
    private volatile IPacketSink? _sink;
    private string? _address;

    /// <summary>The session's ClientIp, host order (<see cref="Ipv4.ToUInt32"/>); 0 (no packet's destination) until configured.</summary>
    private uint _clientIp;
    private IReadOnlyList<IPNetwork> _routes = [];
    private bool _dnsApplied;
    private int _disposed;

    private ClientInterface(TunDevice device)
    {
        _device = device;
        _reader = new Thread(ReadLoop) { IsBackground = true, Name = "opensag tun read " + device.Name };
        _reader.Start();
    }

    /// <summary>The interface's name, e.g. <c>opensag0</c>.</summary>
    public string Name => _device.Name;

    /// <summary>Creates the interface (down, no address) and starts reading from it.</summary>
    /// <exception cref="TunUnavailableException">It cannot be created (no CAP_NET_ADMIN, no /dev/net/tun, the name taken); the message is one line for the user.</exception>
    /// <exception cref="ArgumentException">The name is not an interface name (<see cref="TunOptions.CheckName"/>).</exception>
    public static ClientInterface Create(string name) => new(TunDevice.Create(name));

    /// <summary>
    /// Gives the interface a session's address, MTU and routes: <paramref name="clientIp"/>/prefix (replacing the
    /// previous session's address when it differs), the offer's MTU, up, and a route via the interface for each of the
    /// offer's networks (routes the previous session had and this one has not are deleted). Run once per session;
    /// an unchanged address and route set are set again, which <c>ip</c> treats as no change.
    /// </summary>
    /// <exception cref="LinkConfigException"><c>ip</c> refused (its stderr in one line).</exception>
    /// <exception cref="FormatException">The gateway sent an address or a route that is not one.</exception>
    public void Configure(string clientIp, DataChannelOffer offer)
    {
        ArgumentNullException.ThrowIfNull(offer);
        var address = IPAddress.Parse(clientIp);
        var routes = offer.Routes.Select(r => IPNetwork.Parse(r)).ToList();
        LinkConfig.SetUp(Name, offer.Mtu);
        if (_address is null)
        {
            LinkConfig.AddAddress(Name, address, offer.PrefixLength);
        }
        else if (_address != $"{clientIp}/{offer.PrefixLength}")
        {
            // Removing the last address takes the routes through the interface with it (the kernel's fib_disable_ip):
            // all of them are set again below.
            LinkConfig.ReplaceAddress(Name, address, offer.PrefixLength);
            _routes = [];
        }

        _address = $"{clientIp}/{offer.PrefixLength}";
        Volatile.Write(ref _clientIp, Ipv4.ToUInt32(address));
        foreach (var gone in _routes.Except(routes))
        {
            LinkConfig.DeleteRoute(gone, Name);
        }

        foreach (var route in routes)
        {
            LinkConfig.ReplaceRoute(route, Name);
        }

        _routes = routes;
    }

    /// <summary>
    /// Applies <paramref name="servers"/> (the user's AppDNS) to the interface through systemd-resolved, when it
    /// runs; returns the one-line outcome for the user either way.
    /// </summary>
    public string ApplyDns(IReadOnlyList<string> servers)
    {
        _dnsApplied |= LinkDns.TryApply(Name, servers, out var outcome);
        return outcome;
    }

    /// <summary>
    /// Sends the packets read from now on to <paramref name="sink"/> (a session's data channel), or drops them
    /// (null: offline). A packet read just before the switch may still go to the previous sink, which then drops it.
    /// </summary>
    public void Attach(IPacketSink? sink) => _sink = sink;

    /// <summary>
    /// Writes one packet from the gateway to the interface; false when it was not written: it is not an IPv4 packet to
    /// the session's ClientIp, the kernel refused it (no buffer) or the interface is gone. Never throws: the callers are
    /// the data channels' receive loops.
    /// </summary>
    /// <remarks>
    /// The gateway sends a session only packets to its ClientIp (PacketForwarder routes by destination). Anything else
    /// written here the client's kernel would route on, into the client's own networks when it forwards: the tunnel
    /// would make the client a router for whoever holds the gateway's keys. WireGuard checks a peer's packets against
    /// its allowed IPs likewise. Bytes after the packet's total length are not written.
    /// </remarks>
    public bool TryWrite(ReadOnlySpan<byte> packet)
    {
        if (!Ipv4Header.TryRead(packet, out _, out var destination) || destination != Volatile.Read(ref _clientIp))
        {
            return false;
        }

        try
        {
            return _device.TryWrite(packet[..Ipv4Header.TotalLength(packet)]);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            return false;
        }
    }

    /// <summary>
    /// Removes the interface: DNS reverted (when it was applied), the descriptor closed, which deletes the interface
    /// with its addresses and routes, and the reading thread ended.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _sink = null;
        if (_dnsApplied)
        {
            LinkDns.Revert(Name);
        }

        _device.Dispose();
        _reader.Join(TimeSpan.FromSeconds(2));
    }

    private void ReadLoop()
    {
        var buffer = new byte[MaxPacket];
        IPacketSink? last = null;
        while (true)
        {
            int length;
            try
            {
                if (!_device.TryRead(buffer, out length))
                {
                    // The interface is empty: what the sink batched goes now, before this thread sleeps.
                    last?.Flush();
                    length = _device.Read(buffer);
                }
            }
            catch (Exception e) when (e is ObjectDisposedException or IOException)
            {
                // Disposed, or the interface was deleted under us (ip link del): nothing more will come from it.
                return;
            }

            if (length == 0)
            {
                return;
            }

            // Offline (between sessions), or the channel could not send: dropped, as a router without a route drops.
            var sink = _sink;
            if (sink != last)
            {
                last?.Flush();
                last = sink;
            }

            sink?.TrySend(buffer.AsMemory(0, length));
        }
    }
}

/// <summary>Where the interface's packets go: a session's data channel (UDP or the TLS fallback).</summary>
public interface IPacketSink
{
    /// <summary>
    /// Sends one IP packet to the gateway, on the interface's reading thread; the memory is reused once this returns.
    /// False when it could not (the channel is closing, the network refused): the packet is dropped, as a router
    /// drops, never an exception.
    /// </summary>
    bool TrySend(ReadOnlyMemory<byte> packet);

    /// <summary>
    /// Sends what <see cref="TrySend"/> batched: the reading thread calls it when the interface has no more packets
    /// queued, and when it changes sinks. Never throws; a channel that sends each packet at once does nothing.
    /// </summary>
    void Flush();
}
