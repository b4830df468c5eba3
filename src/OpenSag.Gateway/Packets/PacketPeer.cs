using System.Net;
using OpenSag.Gateway.AccessControl;
using OpenSag.Gateway.DataChannel;
using OpenSag.Gateway.Tunnels;

namespace OpenSag.Gateway.Packets;

/// <summary>
/// One session's layer-3 state (DESIGN.md §4.1), owned by its <see cref="Sessions.GatewaySession"/>: the keys (a sealer
/// towards the client, an opener for what the client sends), the session's ClientIp, where the client is (the source of
/// its latest authenticated datagram, or its TLS fallback), the user's policer and traffic counter, and what was
/// forwarded and dropped. Every packet of the peer is processed between <see cref="TryEnter"/> and <see cref="Exit"/>;
/// <see cref="Retire"/> (the session's close path) shuts that gate, waits for the packets inside to leave and then
/// destroys the keys, so once it returns not one more packet of the session moves in either direction.
/// </summary>
public sealed class PacketPeer
{
    /// <summary>Set in <see cref="_inFlight"/> once the peer is retired; the lower bits count packets being processed.</summary>
    private const int RetiredBit = 1 << 30;

    private readonly PacketSealer _sealer;
    private readonly PacketOpener _opener;
    private int _inFlight;
    private SocketAddress? _endpoint;
    private PacketFallbackLink? _fallback;
    private UserBandwidth.Share? _policer;
    private InstanceAclSlot _acl = InstanceAclSlot.None;
    private long _packetsIn;
    private long _packetsOut;
    private long _bytesIn;
    private long _bytesOut;

    internal PacketPeer(uint gatewayIndex, uint clientIp, string holder, PacketSealer sealer, PacketOpener opener, FlowMeter.Counter flow)
    {
        GatewayIndex = gatewayIndex;
        ClientIp = clientIp;
        Holder = holder;
        _sealer = sealer;
        _opener = opener;
        Flow = flow;
    }

    /// <summary>The receiver index the client writes in its datagrams (<see cref="Protocol.DataChannelOffer.GatewayIndex"/>).</summary>
    public uint GatewayIndex { get; }

    /// <summary>The session's ClientIp, host order (<see cref="Domain.Ipv4.ToUInt32"/>): the only source its packets may carry.</summary>
    public uint ClientIp { get; }

    /// <summary>Whose the ClientIp is (instance and user): only that holder's peers share it (<see cref="PacketRouter.TryAdd"/>).</summary>
    public string Holder { get; }

    /// <summary>The session's counter (<see cref="FlowMeter.For(Sessions.IOnlineSession)"/>): the user's month in the <see cref="FlowMeter"/>, shared with the user's streams, and the session's own totals.</summary>
    public FlowMeter.Counter Flow { get; }

    /// <summary>Drops of this peer's packets by reason, logged with the session's close.</summary>
    public DropCounters Drops { get; } = new();

    /// <summary>How many more forged datagrams of this peer are opened this second.</summary>
    internal ForgeryBudget Forgeries { get; } = new();

    /// <summary>The client's UDP address: the source of its latest authenticated datagram (WireGuard's roaming); null
    /// until the first one arrives.</summary>
    public SocketAddress? Endpoint => Volatile.Read(ref _endpoint);

    /// <summary>The session's TLS fallback (<see cref="Protocol.GatewayPaths.Packets"/>), when attached: packets to the
    /// client go there instead of UDP.</summary>
    internal PacketFallbackLink? Fallback => Volatile.Read(ref _fallback);

    /// <summary>The user's bandwidth share, once the session holds one; null with shaping off, or before it joined.</summary>
    public UserBandwidth.Share? Policer
    {
        get => Volatile.Read(ref _policer);
        set => Volatile.Write(ref _policer, value);
    }

    /// <summary>
    /// The ACL of the session's instance, read per packet (one volatile read; the slot swaps its rules on a change);
    /// <see cref="InstanceAclSlot.None"/> until the session is published (<see cref="PacketAdmission.StartPolicing"/>).
    /// </summary>
    public InstanceAclSlot Acl
    {
        get => Volatile.Read(ref _acl);
        set => Volatile.Write(ref _acl, value ?? throw new ArgumentNullException(nameof(value)));
    }

    public bool IsRetired => (Volatile.Read(ref _inFlight) & RetiredBit) != 0;

    internal PacketSealer Sealer => _sealer;

    internal PacketOpener Opener => _opener;

    /// <summary>Packets and bytes from the client forwarded to the network, and from the network sent to the client.</summary>
    public (long PacketsIn, long BytesIn, long PacketsOut, long BytesOut) Counts =>
        (Interlocked.Read(ref _packetsIn), Interlocked.Read(ref _bytesIn), Interlocked.Read(ref _packetsOut), Interlocked.Read(ref _bytesOut));

    /// <summary>Enters the gate for one packet; false once retired (the packet is dropped). Pair with <see cref="Exit"/>.</summary>
    public bool TryEnter()
    {
        if ((Interlocked.Increment(ref _inFlight) & RetiredBit) == 0)
        {
            return true;
        }

        Interlocked.Decrement(ref _inFlight);
        return false;
    }

    public void Exit() => Interlocked.Decrement(ref _inFlight);

    /// <summary>Remembers where an authenticated datagram came from; allocates only when the client has moved.</summary>
    internal void SawDatagramFrom(SocketAddress source)
    {
        var current = Volatile.Read(ref _endpoint);
        if (current is null || !current.Equals(source))
        {
            // A copy: the receive loop reuses its SocketAddress for the next datagram.
            var copy = new SocketAddress(source.Family, source.Size);
            source.Buffer.Span.CopyTo(copy.Buffer.Span);
            Volatile.Write(ref _endpoint, copy);
        }
    }

    internal void CountIn(int bytes)
    {
        Interlocked.Increment(ref _packetsIn);
        Interlocked.Add(ref _bytesIn, bytes);
        Flow.Add(bytes, 0);
    }

    internal void CountOut(int bytes)
    {
        Interlocked.Increment(ref _packetsOut);
        Interlocked.Add(ref _bytesOut, bytes);
        Flow.Add(0, bytes);
    }

    /// <summary>Attaches a TLS fallback, replacing (and aborting) the one before; false when the peer is retired.</summary>
    internal bool TryAttach(PacketFallbackLink link)
    {
        if (!TryEnter())
        {
            return false;
        }

        try
        {
            Interlocked.Exchange(ref _fallback, link)?.Abort();
            return true;
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>Detaches <paramref name="link"/> if it is still the attached one.</summary>
    internal void Detach(PacketFallbackLink link) => Interlocked.CompareExchange(ref _fallback, null, link);

    /// <summary>
    /// Shuts the gate, waits for every packet inside to leave (microseconds: processing a packet never waits on the
    /// network, a full send queue drops), then destroys the keys and aborts the fallback. Idempotent. The caller has
    /// removed the peer from the <see cref="PacketRouter"/> first, so no new packet finds it.
    /// </summary>
    internal void Retire()
    {
        if ((Interlocked.Or(ref _inFlight, RetiredBit) & RetiredBit) != 0)
        {
            return;
        }

        var spin = new SpinWait();
        while ((Volatile.Read(ref _inFlight) & ~RetiredBit) != 0)
        {
            spin.SpinOnce();
        }

        _sealer.Dispose();
        _opener.Dispose();
        Interlocked.Exchange(ref _fallback, null)?.Abort();
    }

    /// <summary>"packets in N (B bytes) out M (B bytes), dropped: forged 1, …" for the session's close line.</summary>
    public string Describe()
    {
        var (packetsIn, bytesIn, packetsOut, bytesOut) = Counts;
        return FormattableString.Invariant($"packets in {packetsIn} ({bytesIn} bytes) out {packetsOut} ({bytesOut} bytes), dropped: {Drops.Describe()}");
    }
}
