using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using OpenSag.AccessControl;
using OpenSag.Domain;
using OpenSag.Gateway.DataChannel;

namespace OpenSag.Bench.Micro;

/// <summary>
/// What an instance's ACL costs the layer-3 path per packet (issue 12): one <see cref="AclRuleSet.Evaluate"/> of a
/// UDP packet from the client against no rules and against 50 (the cloud's limit per ACL, spec §1.1), and the same
/// with the port read the forwarder does first. The 50 rules are the worst case: all <c>out</c>, all UDP, every one
/// matching the source, none the destination, so the packet is checked against each and accepted for want of a match.
/// Allocations must be 0.
/// </summary>
[MemoryDiagnoser]
public class AclHotPaths
{
    private const uint Client = 0x0A080002; // 10.8.0.2
    private const uint Server = 0x0A000514; // 10.0.5.20
    private readonly byte[] _packet = new byte[60];
    private AclRuleSet _rules = AclRuleSet.Empty;

    [Params(0, 50)]
    public int Rules { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _rules = AclRuleSet.Compile([.. Enumerable.Range(0, Rules).Select(i => new AclRule
        {
            AclId = "acl-bench",
            AcrId = $"acr-{i:D18}",
            Direction = "out",
            Policy = i % 2 == 0 ? "drop" : "accept",
            IpProtocol = "UDP",
            SourceCidr = "0.0.0.0/0",
            SourcePortRange = "-1/-1",
            DestCidr = $"192.168.{i}.0/24",
            DestPortRange = "1/65535",
            Priority = 1 + i % 100,
            CreatedAt = DateTimeOffset.UnixEpoch.AddSeconds(i),
        })], out _);
        _packet[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(_packet.AsSpan(2), (ushort)_packet.Length);
        _packet[9] = Ipv4Header.Udp;
        BinaryPrimitives.WriteUInt32BigEndian(_packet.AsSpan(12), Client);
        BinaryPrimitives.WriteUInt32BigEndian(_packet.AsSpan(16), Server);
        BinaryPrimitives.WriteUInt16BigEndian(_packet.AsSpan(20), 40000);
        BinaryPrimitives.WriteUInt16BigEndian(_packet.AsSpan(22), 53);
    }

    [Benchmark(Baseline = true)]
    public bool Evaluate() => _rules.Evaluate(AclDirection.Out, Ipv4Header.Udp, Client, 40000, Server, 53).Accepts;

    /// <summary>What <c>PacketForwarder</c> does per packet once the instance has rules: read the ports, then evaluate.</summary>
    [Benchmark]
    public bool ReadPortsThenEvaluate()
    {
        var ported = Ipv4Header.TryReadPorts(_packet, out var protocol, out var sourcePort, out var destinationPort);
        return _rules.Evaluate(AclDirection.Out, protocol, Client, ported ? sourcePort : null, Server, ported ? destinationPort : null).Accepts;
    }
}
