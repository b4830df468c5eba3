using System.Buffers.Binary;
using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using OpenSag.AccessControl;
using OpenSag.Domain;
using OpenSag.Gateway.AccessControl;
using OpenSag.Gateway.DataChannel;
using OpenSag.Gateway.Packets;
using OpenSag.Gateway.Tunnels;

namespace OpenSag.Gateway.Tests.Packets;

public sealed class PacketForwarderTests : IDisposable
{
    private const uint ClientIp = 0xC6120A05; // 198.18.10.5
    private const uint Server = 0xC6130014; // 198.19.0.20
    private const uint Outside = 0x08080808; // 8.8.8.8

    private readonly PacketRouter _router = new();
    private readonly FakeTun _tun = new();
    private readonly FakeUdp _udp = new();
    private readonly FlowMeter.Counter _flow = new();
    private readonly SocketAddress _client = new IPEndPoint(IPAddress.Parse("198.18.1.2"), 40000).Serialize();
    private readonly byte[] _scratch = new byte[65_536];
    private readonly byte[] _reply = new byte[TransportMessage.Overhead];
    private readonly PacketPeer _peer;
    private readonly PacketSealer _clientSealer;
    private readonly PacketOpener _clientOpener;

    public PacketForwarderTests()
    {
        var (peer, toGateway, toClient, _) = _router.Add(DataCipher.Aes256Gcm, ClientIp, _flow);
        _peer = peer;
        _clientSealer = new PacketSealer(DataCipher.Aes256Gcm, Convert.FromBase64String(toGateway), peer.GatewayIndex);
        _clientOpener = new PacketOpener(DataCipher.Aes256Gcm, Convert.FromBase64String(toClient));
    }

    public void Dispose()
    {
        _clientSealer.Dispose();
        _clientOpener.Dispose();
    }

    [Fact]
    public void FromDatagram_SealedPacketFromClientIp_WrittenToTunAndCounted()
    {
        var forwarder = Forwarder();
        var packet = Ipv4(ClientIp, Server, 100);

        forwarder.FromDatagram(Seal(packet), _client, _scratch, _reply);

        Assert.Equal(packet, Assert.Single(_tun.Written));
        Assert.Equal((1L, 100L, 0L, 0L), _peer.Counts);
        Assert.Equal((100L, 0L), _flow.Take());
        Assert.Equal(_client, _peer.Endpoint);
        Assert.Equal(0, _peer.Drops.Total);
    }

    [Fact]
    public void FromDatagram_Keepalive_AnsweredWithAKeepalive()
    {
        var forwarder = Forwarder();

        forwarder.FromDatagram(Seal([]), _client, _scratch, _reply);

        var (datagram, destination) = Assert.Single(_udp.Sent);
        Assert.Equal(_client, destination);
        Assert.Equal(OpenResult.Accepted, _clientOpener.Open(datagram, new byte[64], out var length));
        Assert.Equal(0, length);
        Assert.Empty(_tun.Written);
    }

    [Fact]
    public void FromDatagram_MalformedReplayedForgedUnknown_EachDroppedAndCounted()
    {
        var forwarder = Forwarder();
        var datagram = Seal(Ipv4(ClientIp, Server, 60));
        var forged = (byte[])datagram.Clone();
        forged[^1] ^= 1;
        var unknown = (byte[])datagram.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(unknown.AsSpan(4), _peer.GatewayIndex + 1);

        forwarder.FromDatagram(datagram.AsSpan(0, 20), _client, _scratch, _reply);
        forwarder.FromDatagram(forged, _client, _scratch, _reply);
        forwarder.FromDatagram(unknown, _client, _scratch, _reply);
        forwarder.FromDatagram(datagram, _client, _scratch, _reply);
        forwarder.FromDatagram(datagram, _client, _scratch, _reply);

        Assert.Single(_tun.Written);
        Assert.Equal(1, forwarder.NodeDrops[PacketDropReason.Malformed]);
        Assert.Equal(1, forwarder.NodeDrops[PacketDropReason.UnknownIndex]);
        Assert.Equal(1, _peer.Drops[PacketDropReason.Forged]);
        Assert.Equal(1, _peer.Drops[PacketDropReason.Replayed]);
        Assert.Equal("forged 1, replayed 1", _peer.Drops.Describe());
    }

    /// <summary>The line named the sender as a SocketAddress's raw bytes: "from InterNetwork:16:{156,64,198,18,…}".</summary>
    [Fact]
    public void FromDatagram_UnknownIndex_LogLineNamesTheSenderAsHostAndPort()
    {
        var logger = new LineLogger();
        var forwarder = new PacketForwarder(_router, new DestinationPolicy([IPNetwork.Parse("198.19.0.0/16")]), false, _tun, _udp, TimeProvider.System, logger);
        var unknown = Seal(Ipv4(ClientIp, Server, 60));
        BinaryPrimitives.WriteUInt32LittleEndian(unknown.AsSpan(4), _peer.GatewayIndex + 1);

        forwarder.FromDatagram(unknown, _client, _scratch, _reply);

        var line = Assert.Single(logger.Lines);
        Assert.Contains(" from 198.18.1.2:40000 ", line, StringComparison.Ordinal);
        Assert.DoesNotContain("InterNetwork", line, StringComparison.Ordinal);
    }

    [Fact]
    public void FromDatagram_ForgedFloodOnOneIndex_OpensOnlyTheBudgetThenTheClientIsBackAfterASecond()
    {
        // Each forged datagram costs a decryption and a .NET exception (7-15 us); a receiver index is visible on the
        // path, so without a bound one sender of forgeries could keep the node's one UDP thread busy for every session.
        var time = new ManualTimeProvider();
        var forwarder = Forwarder(time: time);
        var genuine = Seal(Ipv4(ClientIp, Server, 60));
        var forged = (byte[])genuine.Clone();
        forged[^1] ^= 1;
        const int Flood = 5 * ForgeryBudget.PerSecond;

        for (var i = 0; i < Flood; i++)
        {
            // Counters ahead of the window, as a forger picks them, so the replay check cannot turn them away cheaply.
            BinaryPrimitives.WriteUInt64LittleEndian(forged.AsSpan(8), (ulong)(1_000 + i));
            forwarder.FromDatagram(forged, _client, _scratch, _reply);
        }

        forwarder.FromDatagram(genuine, _client, _scratch, _reply);
        Assert.Equal(ForgeryBudget.PerSecond, _peer.Drops[PacketDropReason.Forged]);
        Assert.Equal(Flood - ForgeryBudget.PerSecond + 1, _peer.Drops[PacketDropReason.Throttled]);
        Assert.Empty(_tun.Written);

        time.Advance(TimeSpan.FromSeconds(1));
        forwarder.FromDatagram(genuine, _client, _scratch, _reply);
        Assert.Single(_tun.Written);
    }

    [Fact]
    public void FromDatagram_SpoofedSourceOrDeniedDestination_NeverReachesTheTun()
    {
        var forwarder = Forwarder();

        forwarder.FromDatagram(Seal(Ipv4(ClientIp + 1, Server, 60)), _client, _scratch, _reply);
        forwarder.FromDatagram(Seal(Ipv4(ClientIp, Outside, 60)), _client, _scratch, _reply);
        forwarder.FromDatagram(Seal([0x60, 0, 0, 0, 0, 0, 0, 0]), _client, _scratch, _reply);

        Assert.Empty(_tun.Written);
        Assert.Equal(1, _peer.Drops[PacketDropReason.Spoofed]);
        Assert.Equal(1, _peer.Drops[PacketDropReason.Denied]);
        Assert.Equal(1, _peer.Drops[PacketDropReason.NotIpv4]);
        Assert.Equal((0L, 0L), _flow.Take());
    }

    [Fact]
    public void FromDatagramOrFallback_BytesAfterTheTotalLength_OnlyThePacketWrittenAndCounted()
    {
        var forwarder = Forwarder();
        // A 60-byte packet followed by 900 bytes its header does not claim: a client could otherwise make the TUN
        // take (and the month's count and the policer charge) bytes that are no packet's.
        var packet = Ipv4(ClientIp, Server, 60);
        var padded = new byte[960];
        packet.CopyTo(padded, 0);

        forwarder.FromDatagram(Seal(padded), _client, _scratch, _reply);
        forwarder.FromFallback(_peer, padded);

        Assert.Equal(2, _tun.Written.Count);
        Assert.All(_tun.Written, written => Assert.Equal(packet, written));
        Assert.Equal((2L, 120L, 0L, 0L), _peer.Counts);
        Assert.Equal((120L, 0L), _flow.Take());
    }

    [Fact]
    public void FromNetwork_BytesAfterTheTotalLength_OnlyThePacketSealedAndCounted()
    {
        var forwarder = Forwarder();
        forwarder.FromDatagram(Seal([]), _client, _scratch, _reply);
        _udp.Sent.Clear();
        var packet = Ipv4(Server, ClientIp, 60);
        var padded = new byte[300];
        packet.CopyTo(padded, 0);

        forwarder.FromNetwork(padded, _scratch);

        var (datagram, _) = Assert.Single(_udp.Sent);
        var opened = new byte[2000];
        Assert.Equal(OpenResult.Accepted, _clientOpener.Open(datagram, opened, out var length));
        Assert.Equal(packet, opened[..length]);
        Assert.Equal((0L, 0L, 1L, 60L), _peer.Counts);
    }

    [Theory]
    [InlineData(0x83)] // loose source and record route
    [InlineData(0x89)] // strict source and record route
    public void FromDatagramOrFallback_SourceRouteOption_DeniedWhateverTheFirstHop(byte option)
    {
        var forwarder = Forwarder();
        // The header's destination is an allowed host, the route option's next address one --tunnel-allow denies: a
        // gateway whose kernel accepts source routes (net.ipv4.conf.all.accept_source_route=1) would take it there.
        var packet = Ipv4(ClientIp, Server, 60, ihl: 8);
        packet[20] = 1; // a NOP first: options are a list, not one at a fixed place
        packet[21] = option;
        packet[22] = 7; // type, length, pointer, one address
        packet[23] = 4;
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(24), Outside);

        forwarder.FromDatagram(Seal(packet), _client, _scratch, _reply);
        forwarder.FromFallback(_peer, packet);

        Assert.Empty(_tun.Written);
        Assert.Equal(2, _peer.Drops[PacketDropReason.Denied]);
    }

    [Fact]
    public void FromDatagram_OtherOptions_Forwarded()
    {
        var forwarder = Forwarder();
        var packet = Ipv4(ClientIp, Server, 60, ihl: 6);
        packet[20] = 0x94; // router alert, 4 bytes
        packet[21] = 4;

        forwarder.FromDatagram(Seal(packet), _client, _scratch, _reply);

        Assert.Single(_tun.Written);
    }

    [Fact]
    public void FromDatagram_BeyondTheUsersBandwidth_Policed()
    {
        var bandwidth = new UserBandwidth();
        // 1 Kbit/s: a bucket of 1,036 bytes refilled at 125 bytes/s, so two 500-byte packets pass and the third,
        // 464 bytes short, would need 3.7 s of refills.
        using var share = bandwidth.Join("sag-1", "alice", 1);
        _peer.Policer = share;
        var forwarder = Forwarder(shaping: true);

        for (var i = 0; i < 3; i++)
        {
            forwarder.FromDatagram(Seal(Ipv4(ClientIp, Server, 500)), _client, _scratch, _reply);
        }

        Assert.Equal(2, _tun.Written.Count);
        Assert.Equal(1, _peer.Drops[PacketDropReason.Policed]);
    }

    [Fact]
    public void FromDatagram_ShapingWithoutAShareYet_Policed()
    {
        var forwarder = Forwarder(shaping: true);

        forwarder.FromDatagram(Seal(Ipv4(ClientIp, Server, 60)), _client, _scratch, _reply);

        Assert.Empty(_tun.Written);
        Assert.Equal(1, _peer.Drops[PacketDropReason.Policed]);
    }

    [Fact]
    public void FromNetwork_PacketToClientIp_SealedToWhereTheClientIs()
    {
        var forwarder = Forwarder();
        forwarder.FromDatagram(Seal([]), _client, _scratch, _reply);
        _udp.Sent.Clear();
        var packet = Ipv4(Server, ClientIp, 300);

        forwarder.FromNetwork(packet, _scratch);

        var (datagram, destination) = Assert.Single(_udp.Sent);
        Assert.Equal(_client, destination);
        var opened = new byte[2000];
        Assert.Equal(OpenResult.Accepted, _clientOpener.Open(datagram, opened, out var length));
        Assert.Equal(packet, opened[..length]);
        Assert.Equal((0L, 0L, 1L, 300L), _peer.Counts);
        Assert.Equal((0L, 300L), _flow.Take());
    }

    [Fact]
    public async Task FromNetwork_DatagramsWaitInTheBatch_RemovingThePeerWaitsUntilTheyAreSent()
    {
        var batching = new BatchingUdp();
        var forwarder = new PacketForwarder(_router, new DestinationPolicy([IPNetwork.Parse("198.19.0.0/16")]), false, _tun, batching, TimeProvider.System, NullLogger.Instance);
        forwarder.FromDatagram(Seal([]), _client, _scratch, _reply);
        var keepaliveAnswers = batching.Sent;
        forwarder.FromNetwork(Ipv4(Server, ClientIp, 300), _scratch);
        forwarder.FromNetwork(Ipv4(Server, ClientIp, 300), _scratch);
        Assert.Equal(2, batching.Queued);

        // A kick: the session removes its peer, and the API answers once that returns. Until the batch is sent the
        // peer is held, so no datagram of it can leave after the answer.
        var removal = Task.Run(() => _router.Remove(_peer));

        // Under load the pool thread may start late: wait (bounded) until the removal has retired the peer, then check
        // it is still held by the batch rather than racing a fixed delay against the thread's start.
        var retiredBy = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!_peer.IsRetired && DateTime.UtcNow < retiredBy)
        {
            await Task.Delay(1);
        }

        Assert.True(_peer.IsRetired);
        Assert.NotSame(removal, await Task.WhenAny(removal, Task.Delay(TimeSpan.FromMilliseconds(200))));

        forwarder.FlushNetwork();
        await removal.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(keepaliveAnswers + 2, batching.Sent);
    }

    [Fact]
    public void FromNetwork_NoSessionDeniedSourceOrClientNotHeardYet_Dropped()
    {
        var forwarder = Forwarder();

        forwarder.FromNetwork(Ipv4(Server, ClientIp, 60), _scratch);
        forwarder.FromDatagram(Seal([]), _client, _scratch, _reply);
        _udp.Sent.Clear();
        forwarder.FromNetwork(Ipv4(Server, ClientIp + 1, 60), _scratch);
        forwarder.FromNetwork(Ipv4(Outside, ClientIp, 60), _scratch);

        Assert.Empty(_udp.Sent);
        Assert.Equal(1, _peer.Drops[PacketDropReason.NoSession]);
        Assert.Equal(1, forwarder.NodeDrops[PacketDropReason.NoSession]);
        Assert.Equal(1, _peer.Drops[PacketDropReason.Denied]);
    }

    [Fact]
    public void Remove_ThenOldKeysEitherWay_NotOnePacketMoves()
    {
        var forwarder = Forwarder();
        forwarder.FromDatagram(Seal([]), _client, _scratch, _reply);
        _udp.Sent.Clear();
        var late = Seal(Ipv4(ClientIp, Server, 60));

        _router.Remove(_peer);
        forwarder.FromDatagram(late, _client, _scratch, _reply);
        forwarder.FromNetwork(Ipv4(Server, ClientIp, 60), _scratch);
        forwarder.FromFallback(_peer, Ipv4(ClientIp, Server, 60));

        Assert.Empty(_tun.Written);
        Assert.Empty(_udp.Sent);
        Assert.Equal(1, forwarder.NodeDrops[PacketDropReason.UnknownIndex]);
        Assert.Equal(1, forwarder.NodeDrops[PacketDropReason.NoSession]);
    }

    [Fact]
    public void FromDatagram_AclDropsTheDestinationPort_DroppedAsAclOtherPortsPass()
    {
        var forwarder = Forwarder();
        _peer.Acl = Slot(Rule("acr-53", "out", "drop", "UDP", "0.0.0.0/0", "-1/-1", "198.19.0.20/32", "53/53"));

        forwarder.FromDatagram(Seal(Udp(ClientIp, 40000, Server, 53)), _client, _scratch, _reply);
        forwarder.FromDatagram(Seal(Udp(ClientIp, 40000, Server, 54)), _client, _scratch, _reply);
        forwarder.FromFallback(_peer, Udp(ClientIp, 40000, Server, 53));

        Assert.Single(_tun.Written);
        Assert.Equal(54, BinaryPrimitives.ReadUInt16BigEndian(_tun.Written[0].AsSpan(22)));
        Assert.Equal(2, _peer.Drops[PacketDropReason.Acl]);
        Assert.Equal("acl 2", _peer.Drops.Describe());
    }

    [Fact]
    public void FromNetwork_AclInDropOfTheSource_DroppedAsAclOtherSourcesPass()
    {
        var forwarder = Forwarder();
        _peer.Acl = Slot(Rule("acr-in", "in", "drop", "ALL", "198.19.0.20/32", "-1/-1", "0.0.0.0/0", "-1/-1"));
        forwarder.FromDatagram(Seal([]), _client, _scratch, _reply);
        _udp.Sent.Clear();

        forwarder.FromNetwork(Udp(Server, 53, ClientIp, 40000), _scratch);
        forwarder.FromNetwork(Udp(Server + 1, 53, ClientIp, 40000), _scratch);

        Assert.Single(_udp.Sent);
        Assert.Equal(1, _peer.Drops[PacketDropReason.Acl]);
        Assert.Equal((0L, 0L, 1L, 60L), _peer.Counts);
    }

    [Fact]
    public void FromDatagram_OutRuleOnlyBindsTheOutDirection_InPacketsOfTheSameFlowPass()
    {
        var forwarder = Forwarder();
        // "out" from the client to the server: the server's replies ("in") are not this rule's to judge (stateless).
        _peer.Acl = Slot(Rule("acr-out", "out", "drop", "UDP", "198.18.0.0/16", "-1/-1", "198.19.0.20/32", "-1/-1"));
        forwarder.FromDatagram(Seal([]), _client, _scratch, _reply);
        _udp.Sent.Clear();

        forwarder.FromDatagram(Seal(Udp(ClientIp, 40000, Server, 53)), _client, _scratch, _reply);
        forwarder.FromNetwork(Udp(Server, 53, ClientIp, 40000), _scratch);

        Assert.Empty(_tun.Written);
        Assert.Single(_udp.Sent);
        Assert.Equal(1, _peer.Drops[PacketDropReason.Acl]);
    }

    [Fact]
    public void FromDatagram_LaterFragment_OnlyAllPortRulesMatch()
    {
        var forwarder = Forwarder();
        var fragment = Udp(ClientIp, 40000, Server, 53);
        BinaryPrimitives.WriteUInt16BigEndian(fragment.AsSpan(6), 185); // fragment offset 185 × 8 bytes: no UDP header here

        _peer.Acl = Slot(Rule("acr-53", "out", "drop", "UDP", "0.0.0.0/0", "-1/-1", "198.19.0.20/32", "53/53"));
        forwarder.FromFallback(_peer, fragment);
        _peer.Acl = Slot(Rule("acr-udp", "out", "drop", "UDP", "0.0.0.0/0", "-1/-1", "198.19.0.20/32", "-1/-1"));
        forwarder.FromFallback(_peer, fragment);

        Assert.Single(_tun.Written);
        Assert.Equal(1, _peer.Drops[PacketDropReason.Acl]);
    }

    private static InstanceAclSlot Slot(params AclRule[] rules)
    {
        var slot = new InstanceAclSlot("sag-test");
        var set = AclRuleSet.Compile(rules, out var skipped);
        Assert.Empty(skipped);
        Assert.NotNull(slot.Apply(set, slot.NextTicket()));
        return slot;
    }

    private static AclRule Rule(string acrId, string direction, string policy, string protocol, string sourceCidr, string sourcePorts, string destCidr, string destPorts) => new()
    {
        AclId = "acl-test",
        AcrId = acrId,
        Direction = direction,
        Policy = policy,
        IpProtocol = protocol,
        SourceCidr = sourceCidr,
        SourcePortRange = sourcePorts,
        DestCidr = destCidr,
        DestPortRange = destPorts,
        Priority = 1,
        CreatedAt = DateTimeOffset.UnixEpoch,
    };

    /// <summary>A 60-byte UDP packet with its ports written.</summary>
    private static byte[] Udp(uint source, ushort sourcePort, uint destination, ushort destinationPort)
    {
        var packet = Ipv4(source, destination, 60);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(20), sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(22), destinationPort);
        return packet;
    }

    /// <summary>Keeps each formatted log line.</summary>
    private sealed class LineLogger : Microsoft.Extensions.Logging.ILogger
    {
        public List<string> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add(formatter(state, exception));
    }

    private PacketForwarder Forwarder(bool shaping = false, TimeProvider? time = null) =>
        new(_router, new DestinationPolicy([IPNetwork.Parse("198.19.0.0/16")]), shaping, _tun, _udp, time ?? TimeProvider.System, NullLogger.Instance);

    private byte[] Seal(ReadOnlySpan<byte> packet)
    {
        var datagram = new byte[packet.Length + TransportMessage.Overhead];
        Assert.Equal(datagram.Length, _clientSealer.Seal(packet, datagram));
        return datagram;
    }

    /// <summary>A UDP packet of <paramref name="length"/> bytes in all (the checksum is not checked on this path).</summary>
    internal static byte[] Ipv4(uint source, uint destination, int length, int ihl = 5)
    {
        var packet = new byte[length];
        packet[0] = (byte)(0x40 | ihl);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)length);
        packet[8] = 64;
        packet[9] = Ipv4Header.Udp;
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(12), source);
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(16), destination);
        return packet;
    }

    private sealed class FakeTun : IPacketWriter
    {
        public List<byte[]> Written { get; } = [];

        public bool TryWrite(ReadOnlySpan<byte> packet)
        {
            Written.Add(packet.ToArray());
            return true;
        }
    }

    /// <summary>Holds every queued datagram until <see cref="Flush"/>, as the real batch does within a burst.</summary>
    private sealed class BatchingUdp : IDatagramSender
    {
        public int Queued { get; private set; }

        public int Sent { get; private set; }

        public void SendTo(ReadOnlySpan<byte> datagram, SocketAddress destination) => Sent++;

        public bool Queue(ReadOnlySpan<byte> datagram, SocketAddress destination)
        {
            Queued++;
            return true;
        }

        public void Flush()
        {
            Sent += Queued;
            Queued = 0;
        }
    }

    private sealed class FakeUdp : IDatagramSender
    {
        public List<(byte[] Datagram, SocketAddress Destination)> Sent { get; } = [];

        public void SendTo(ReadOnlySpan<byte> datagram, SocketAddress destination) => Sent.Add((datagram.ToArray(), destination));
    }
}
