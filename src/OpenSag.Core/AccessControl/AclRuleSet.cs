using OpenSag.Domain;

namespace OpenSag.AccessControl;

/// <summary>
/// The rules of one ACL compiled for matching (DESIGN.md §6, spec/smartag-acl-and-more.md §1.1): per direction, in
/// the one order that decides, so the first rule that matches a packet is the answer and no match accepts.
/// </summary>
/// <remarks>
/// The order (acl12 decision, after the 2023 overview's tie-breaks): Priority ascending (1 first); then drop before
/// accept; then the longer SourceCidr + DestCidr prefix (the more specific rule); then creation time; then AcrId
/// (ordinal), so two rules never tie and every node decides alike. The key does not depend on the packet, so sorting
/// once and taking the first match equals sorting the matching rules per packet. Immutable: the gateway swaps a whole
/// new set in when the rules change, and readers need no lock. <see cref="Evaluate"/> allocates nothing (it runs per
/// packet).
/// </remarks>
public sealed class AclRuleSet
{
    private readonly Matcher[] _out;
    private readonly string[] _outIds;
    private readonly Matcher[] _in;
    private readonly string[] _inIds;

    private AclRuleSet(CompiledRule[] sorted)
    {
        var outbound = sorted.Where(r => r.Direction == AclDirection.Out).ToArray();
        var inbound = sorted.Where(r => r.Direction == AclDirection.In).ToArray();
        _out = [.. outbound.Select(r => r.Matcher)];
        _outIds = [.. outbound.Select(r => r.AcrId)];
        _in = [.. inbound.Select(r => r.Matcher)];
        _inIds = [.. inbound.Select(r => r.AcrId)];
    }

    /// <summary>No rules: everything is accepted (an instance with no ACL).</summary>
    public static AclRuleSet Empty { get; } = new([]);

    /// <summary>How many rules were compiled (both directions).</summary>
    public int Count => _out.Length + _in.Length;

    /// <summary>
    /// Compiles <paramref name="rules"/>. A rule whose fields do not parse (the API refuses such rules, so only a
    /// store written by something else holds one) is left out and listed in <paramref name="skipped"/> with why: one
    /// bad row must not stop the gateway from enforcing the others.
    /// </summary>
    public static AclRuleSet Compile(IReadOnlyList<AclRule> rules, out IReadOnlyList<(AclRule Rule, string Reason)> skipped)
    {
        ArgumentNullException.ThrowIfNull(rules);
        var compiled = new List<CompiledRule>(rules.Count);
        List<(AclRule, string)>? refused = null;
        foreach (var rule in rules)
        {
            if (TryCompile(rule, out var one, out var reason))
            {
                compiled.Add(one);
            }
            else
            {
                (refused ??= []).Add((rule, reason));
            }
        }

        skipped = refused ?? [];
        if (compiled.Count == 0)
        {
            return Empty;
        }

        compiled.Sort(Order);
        return new AclRuleSet([.. compiled]);
    }

    /// <summary>
    /// The verdict on one packet: the first rule of <paramref name="direction"/> (in the set's order) that matches,
    /// or accept when none does. Addresses are host-order IPv4 (<see cref="Ipv4.ToUInt32"/>); a port is null when it
    /// cannot be read (a fragment after the first, or a protocol without ports). Ports constrain only TCP and UDP
    /// rules, and a TCP/UDP rule with a port range other than all ports never matches a packet whose port is unknown.
    /// </summary>
    public AclVerdict Evaluate(AclDirection direction, byte protocol, uint source, int? sourcePort, uint destination, int? destinationPort)
    {
        var (rules, ids) = direction == AclDirection.Out ? (_out, _outIds) : (_in, _inIds);
        // Unknown ports as -1: only an all-ports range (-1..65535 here) contains it.
        var knownSource = sourcePort ?? -1;
        var knownDestination = destinationPort ?? -1;
        for (var i = 0; i < rules.Length; i++)
        {
            if (rules[i].Matches(protocol, source, knownSource, destination, knownDestination))
            {
                return new AclVerdict(!rules[i].Drops, ids[i]);
            }
        }

        return AclVerdict.NoMatch;
    }

    /// <summary>
    /// The verdict on a tunnelled TCP stream from the client at <paramref name="clientIp"/> to
    /// <paramref name="destination"/>:<paramref name="port"/>: its <c>out</c> evaluation (client → destination) and
    /// its <c>in</c> evaluation (destination → client) must both accept, since a stream carries both directions. The
    /// client's port is unknown (the gateway opens the socket), so a rule constraining the client-side port never
    /// matches a stream. The first refusing verdict, else the <c>out</c> one.
    /// </summary>
    public AclVerdict EvaluateStream(uint clientIp, uint destination, int port)
    {
        var outbound = Evaluate(AclDirection.Out, AclProtocol.TcpNumber, clientIp, null, destination, port);
        if (!outbound.Accepts)
        {
            return outbound;
        }

        var inbound = Evaluate(AclDirection.In, AclProtocol.TcpNumber, destination, port, clientIp, null);
        return inbound.Accepts ? outbound : inbound;
    }

    /// <summary>
    /// <see cref="EvaluateStream(uint, uint, int)"/> for a stream to a remote address that is not IPv4 (IPv6): rules
    /// are IPv4 CIDR blocks, and only one whose remote side is <c>/0</c> (DestCidr for <c>out</c>, SourceCidr for
    /// <c>in</c>) matches it, since <c>0.0.0.0/0</c> reads as "every address" (a drop-all must stop IPv6 too); any
    /// narrower block names IPv4 addresses only. The client side and the ports are judged as for IPv4. Allocates
    /// nothing.
    /// </summary>
    public AclVerdict EvaluateStreamToNonIpv4(uint clientIp, int port)
    {
        var outbound = EvaluateNonIpv4Remote(_out, _outIds, remoteIsSource: false, clientIp, port);
        if (!outbound.Accepts)
        {
            return outbound;
        }

        var inbound = EvaluateNonIpv4Remote(_in, _inIds, remoteIsSource: true, clientIp, port);
        return inbound.Accepts ? outbound : inbound;
    }

    // Apart from the per-packet Evaluate so that loop keeps its one shape (layer 3 is IPv4 only).
    private static AclVerdict EvaluateNonIpv4Remote(Matcher[] rules, string[] ids, bool remoteIsSource, uint clientIp, int remotePort)
    {
        for (var i = 0; i < rules.Length; i++)
        {
            if (rules[i].MatchesNonIpv4Remote(remoteIsSource, clientIp, remotePort))
            {
                return new AclVerdict(!rules[i].Drops, ids[i]);
            }
        }

        return AclVerdict.NoMatch;
    }

    private static bool TryCompile(AclRule rule, out CompiledRule compiled, out string reason)
    {
        compiled = default;
        reason = "";
        if (!AclRuleText.TryParseDirection(rule.Direction, out var direction))
        {
            reason = $"Direction '{rule.Direction}' is not in or out";
        }
        else if (!AclRuleText.TryParsePolicy(rule.Policy, out var drops))
        {
            reason = $"Policy '{rule.Policy}' is not accept or drop";
        }
        else if (!AclProtocol.TryParse(rule.IpProtocol, out var protocol))
        {
            reason = $"IpProtocol '{rule.IpProtocol}' is not ALL, TCP, UDP or ICMP";
        }
        else if (!AclCidr.TryParse(rule.SourceCidr, out var source))
        {
            reason = $"SourceCidr '{rule.SourceCidr}' is not an IPv4 CIDR block";
        }
        else if (!AclCidr.TryParse(rule.DestCidr, out var destination))
        {
            reason = $"DestCidr '{rule.DestCidr}' is not an IPv4 CIDR block";
        }
        else if (!AclPortRange.TryParse(rule.SourcePortRange, out var sourcePorts))
        {
            reason = $"SourcePortRange '{rule.SourcePortRange}' is not a port range";
        }
        else if (!AclPortRange.TryParse(rule.DestPortRange, out var destinationPorts))
        {
            reason = $"DestPortRange '{rule.DestPortRange}' is not a port range";
        }
        else
        {
            compiled = new CompiledRule(rule.AcrId, direction, rule.Priority, rule.CreatedAt, source.PrefixLength + destination.PrefixLength,
                Matcher.Of(drops, protocol, source, sourcePorts, destination, destinationPorts));
        }

        return reason.Length == 0;
    }

    private static int Order(CompiledRule a, CompiledRule b)
    {
        var order = a.Priority.CompareTo(b.Priority);
        if (order == 0)
        {
            order = b.Matcher.Drops.CompareTo(a.Matcher.Drops);
        }

        if (order == 0)
        {
            order = b.PrefixSum.CompareTo(a.PrefixSum);
        }

        if (order == 0)
        {
            order = a.CreatedAt.CompareTo(b.CreatedAt);
        }

        return order != 0 ? order : string.CompareOrdinal(a.AcrId, b.AcrId);
    }

    private readonly record struct CompiledRule(string AcrId, AclDirection Direction, int Priority, DateTimeOffset CreatedAt, int PrefixSum, Matcher Matcher);

    /// <summary>
    /// One rule as the per-packet loop reads it: 36 bytes of masks and bounds, no branch on what kind of rule it is.
    /// A range of all ports, and every range of a rule whose protocol has no ports, is -1..65535, so it contains
    /// port 0 and the -1 that stands for "unknown" (a later fragment); any narrower range starts at 1 and does not.
    /// </summary>
    private readonly struct Matcher
    {
        private readonly uint _sourceNetwork;
        private readonly uint _sourceMask;
        private readonly uint _destinationNetwork;
        private readonly uint _destinationMask;
        private readonly int _sourceFirst;
        private readonly int _sourceLast;
        private readonly int _destinationFirst;
        private readonly int _destinationLast;
        private readonly byte _protocol;
        private readonly bool _anyProtocol;

        private Matcher(bool drops, AclProtocol protocol, AclCidr source, (int First, int Last) sourcePorts, AclCidr destination, (int First, int Last) destinationPorts)
        {
            Drops = drops;
            _anyProtocol = protocol.IsAny;
            _protocol = protocol.Number;
            (_sourceNetwork, _sourceMask) = (source.Network, Mask(source.PrefixLength));
            (_destinationNetwork, _destinationMask) = (destination.Network, Mask(destination.PrefixLength));
            (_sourceFirst, _sourceLast) = sourcePorts;
            (_destinationFirst, _destinationLast) = destinationPorts;
        }

        public bool Drops { get; }

        public static Matcher Of(bool drops, AclProtocol protocol, AclCidr source, AclPortRange sourcePorts, AclCidr destination, AclPortRange destinationPorts) =>
            new(drops, protocol, source, Bounds(protocol, sourcePorts), destination, Bounds(protocol, destinationPorts));

        public bool Matches(byte protocol, uint source, int sourcePort, uint destination, int destinationPort) =>
            (_anyProtocol || protocol == _protocol)
            && (source & _sourceMask) == _sourceNetwork
            && (destination & _destinationMask) == _destinationNetwork
            && sourcePort >= _sourceFirst && sourcePort <= _sourceLast
            && destinationPort >= _destinationFirst && destinationPort <= _destinationLast;

        /// <summary>
        /// A TCP stream between the client at <paramref name="client"/> (port unknown, -1) and a remote that is not
        /// IPv4, on <paramref name="remotePort"/>: the remote side matches only a /0 block (mask 0).
        /// </summary>
        public bool MatchesNonIpv4Remote(bool remoteIsSource, uint client, int remotePort) =>
            (_anyProtocol || _protocol == AclProtocol.TcpNumber)
            && (remoteIsSource
                ? _sourceMask == 0 && (client & _destinationMask) == _destinationNetwork
                    && remotePort >= _sourceFirst && remotePort <= _sourceLast && _destinationFirst == -1
                : _destinationMask == 0 && (client & _sourceMask) == _sourceNetwork
                    && _sourceFirst == -1 && remotePort >= _destinationFirst && remotePort <= _destinationLast);

        private static (int First, int Last) Bounds(AclProtocol protocol, AclPortRange range) =>
            !protocol.HasPorts || range.IsAllPorts ? (-1, AclPortRange.MaxPort) : (range.First, range.Last);

        // A shift by 32 is a shift by 0 in C# (the count is masked to 5 bits), hence the /0 case.
        private static uint Mask(int prefixLength) => prefixLength == 0 ? 0 : uint.MaxValue << (32 - prefixLength);
    }
}

/// <summary>What an ACL decided about a packet or stream.</summary>
/// <param name="Accepts">True to let it through.</param>
/// <param name="AcrId">The rule that decided, or null when no rule matched (accepted).</param>
public readonly record struct AclVerdict(bool Accepts, string? AcrId)
{
    /// <summary>No rule matched: accepted (spec §1.1).</summary>
    public static AclVerdict NoMatch { get; } = new(true, null);
}
