using System.Net;
using OpenSag.AccessControl;
using OpenSag.Domain;

namespace OpenSag.Core.Tests.AccessControl;

public sealed class AclRuleSetTests
{
    private const byte Tcp = 6, Udp = 17, Icmp = 1, Gre = 47;
    private static readonly DateTimeOffset Start = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
    private static readonly uint Client = Ip("10.8.0.2");
    private static readonly uint Server = Ip("10.0.5.20");

    [Fact]
    public void Evaluate_NoRules_Accepts()
    {
        var verdict = AclRuleSet.Empty.Evaluate(AclDirection.Out, Tcp, Client, 40000, Server, 80);
        Assert.True(verdict.Accepts);
        Assert.Null(verdict.AcrId);
    }

    [Fact]
    public void Evaluate_NoRuleMatches_Accepts()
    {
        var set = Compile(Rule("acr-drop", policy: "drop", destCidr: "192.168.0.0/16"));
        Assert.Equal(AclVerdict.NoMatch, set.Evaluate(AclDirection.Out, Tcp, Client, 40000, Server, 80));
    }

    [Fact]
    public void Evaluate_MatchingDrop_DropsAndNamesTheRule()
    {
        var set = Compile(Rule("acr-drop", policy: "drop", destCidr: "10.0.5.0/24", destPorts: "80/80"));
        Assert.Equal(new AclVerdict(false, "acr-drop"), set.Evaluate(AclDirection.Out, Tcp, Client, 40000, Server, 80));
        Assert.True(set.Evaluate(AclDirection.Out, Tcp, Client, 40000, Server, 81).Accepts);
    }

    [Fact]
    public void Evaluate_LowerPriorityNumberFirst_ItsPolicyWins()
    {
        var set = Compile(
            Rule("acr-drop", policy: "drop", priority: 2),
            Rule("acr-accept", policy: "accept", priority: 1));
        Assert.Equal(new AclVerdict(true, "acr-accept"), set.Evaluate(AclDirection.Out, Tcp, Client, 1, Server, 80));
    }

    [Fact]
    public void Evaluate_SamePriority_DropBeforeAccept()
    {
        // The accept is older, more specific and smaller by id: only "drop before accept" can put the drop first.
        var set = Compile(
            Rule("acr-a", policy: "accept", destCidr: "10.0.5.20/32", created: Start),
            Rule("acr-b", policy: "drop", destCidr: "0.0.0.0/0", created: Start.AddMinutes(1)));
        Assert.Equal(new AclVerdict(false, "acr-b"), set.Evaluate(AclDirection.Out, Tcp, Client, 1, Server, 80));
    }

    [Fact]
    public void Evaluate_SamePriorityAndPolicy_LongerPrefixesFirst()
    {
        // Both drop, so the verdict is the same; which rule decided shows the order. The wider one is older and smaller by id.
        var set = Compile(
            Rule("acr-a", policy: "drop", sourceCidr: "0.0.0.0/0", destCidr: "10.0.0.0/8", created: Start),
            Rule("acr-b", policy: "drop", sourceCidr: "10.8.0.0/16", destCidr: "10.0.0.0/8", created: Start.AddMinutes(1)));
        Assert.Equal("acr-b", set.Evaluate(AclDirection.Out, Tcp, Client, 1, Server, 80).AcrId);
    }

    [Fact]
    public void Evaluate_PrefixSum_NotSourceOrDestinationAlone()
    {
        // 8 + 24 = 32 beats 16 + 8 = 24, though the second has the longer source prefix.
        var set = Compile(
            Rule("acr-b", policy: "drop", sourceCidr: "10.0.0.0/8", destCidr: "10.0.5.0/24", created: Start.AddMinutes(1)),
            Rule("acr-a", policy: "drop", sourceCidr: "10.8.0.0/16", destCidr: "10.0.0.0/8", created: Start));
        Assert.Equal("acr-b", set.Evaluate(AclDirection.Out, Tcp, Client, 1, Server, 80).AcrId);
    }

    [Fact]
    public void Evaluate_AllElseEqual_OlderFirst()
    {
        var set = Compile(
            Rule("acr-a", policy: "drop", created: Start.AddMinutes(1)),
            Rule("acr-b", policy: "drop", created: Start));
        Assert.Equal("acr-b", set.Evaluate(AclDirection.Out, Tcp, Client, 1, Server, 80).AcrId);
    }

    [Fact]
    public void Evaluate_SameCreationTime_SmallerAcrIdFirst()
    {
        var set = Compile(
            Rule("acr-b", policy: "drop", created: Start),
            Rule("acr-a", policy: "drop", created: Start));
        Assert.Equal("acr-a", set.Evaluate(AclDirection.Out, Tcp, Client, 1, Server, 80).AcrId);
        var reversed = Compile(
            Rule("acr-a", policy: "drop", created: Start),
            Rule("acr-b", policy: "drop", created: Start));
        Assert.Equal("acr-a", reversed.Evaluate(AclDirection.Out, Tcp, Client, 1, Server, 80).AcrId);
    }

    [Fact]
    public void Evaluate_OutRule_OnlyFromTheClient()
    {
        var set = Compile(Rule("acr-out", direction: "out", policy: "drop", sourceCidr: "10.8.0.0/24", destCidr: "10.0.5.20/32"));
        Assert.False(set.Evaluate(AclDirection.Out, Tcp, Client, 40000, Server, 80).Accepts);
        // The same addresses the other way round, and the same addresses asked as "in": neither is this rule's traffic.
        Assert.True(set.Evaluate(AclDirection.In, Tcp, Server, 80, Client, 40000).Accepts);
        Assert.True(set.Evaluate(AclDirection.In, Tcp, Client, 40000, Server, 80).Accepts);
    }

    [Fact]
    public void Evaluate_InRule_OnlyToTheClient()
    {
        var set = Compile(Rule("acr-in", direction: "IN", policy: "DROP", protocol: "udp", sourceCidr: "10.0.5.20/32", destCidr: "10.8.0.0/24"));
        Assert.False(set.Evaluate(AclDirection.In, Udp, Server, 53, Client, 50000).Accepts);
        Assert.True(set.Evaluate(AclDirection.Out, Udp, Server, 53, Client, 50000).Accepts);
    }

    [Theory]
    [InlineData(Tcp, true)]
    [InlineData(Udp, false)]
    [InlineData(Icmp, false)]
    public void Evaluate_ProtocolRule_OnlyItsProtocol(byte protocol, bool dropped)
    {
        var set = Compile(Rule("acr-tcp", protocol: "tcp", policy: "drop"));
        Assert.Equal(!dropped, set.Evaluate(AclDirection.Out, protocol, Client, protocol == Icmp ? null : 1, Server, protocol == Icmp ? null : 80).Accepts);
    }

    [Theory]
    [InlineData(Tcp)]
    [InlineData(Udp)]
    [InlineData(Icmp)]
    [InlineData(Gre)]
    public void Evaluate_AllRule_EveryProtocol(byte protocol)
    {
        var set = Compile(Rule("acr-all", protocol: "ALL", policy: "drop"));
        Assert.False(set.Evaluate(AclDirection.Out, protocol, Client, null, Server, null).Accepts);
    }

    [Fact]
    public void Evaluate_AllRuleWithPorts_PortsIgnored()
    {
        // The API refuses ALL with ports; a stored one still matches every packet of its CIDRs rather than crashing or
        // matching nothing, since ports constrain only TCP and UDP.
        var set = Compile(Rule("acr-all", protocol: "ALL", policy: "drop", destPorts: "80/80"));
        Assert.False(set.Evaluate(AclDirection.Out, Tcp, Client, 1, Server, 443).Accepts);
    }

    [Fact]
    public void Evaluate_IcmpRule_NoPortsNeeded()
    {
        var set = Compile(Rule("acr-icmp", protocol: "ICMP", policy: "drop", destCidr: "10.0.5.20/32"));
        Assert.False(set.Evaluate(AclDirection.Out, Icmp, Client, null, Server, null).Accepts);
        Assert.True(set.Evaluate(AclDirection.Out, Tcp, Client, 1, Server, 80).Accepts);
    }

    [Theory]
    [InlineData("-1/-1", "-1/-1", true)]
    [InlineData("1/65535", "-1/-1", true)]
    [InlineData("-1/-1", "80/80", false)]
    [InlineData("1000/2000", "-1/-1", false)]
    public void Evaluate_FragmentWithoutPorts_OnlyAllPortRules(string sourcePorts, string destPorts, bool matches)
    {
        var set = Compile(Rule("acr-udp", protocol: "UDP", policy: "drop", sourcePorts: sourcePorts, destPorts: destPorts));
        Assert.Equal(!matches, set.Evaluate(AclDirection.Out, Udp, Client, null, Server, null).Accepts);
    }

    [Theory]
    [InlineData(1023, false)]
    [InlineData(1024, true)]
    [InlineData(2048, true)]
    [InlineData(2049, false)]
    public void Evaluate_SourcePortRange_Inclusive(int port, bool matches)
    {
        var set = Compile(Rule("acr-udp", protocol: "UDP", policy: "drop", sourcePorts: "1024/2048"));
        Assert.Equal(!matches, set.Evaluate(AclDirection.Out, Udp, Client, port, Server, 53).Accepts);
    }

    [Fact]
    public void EvaluateStream_DropOnDestinationPort_Refused()
    {
        var set = Compile(Rule("acr-80", policy: "drop", destPorts: "80/80"));
        Assert.Equal(new AclVerdict(false, "acr-80"), set.EvaluateStream(Client, Server, 80));
        Assert.True(set.EvaluateStream(Client, Server, 81).Accepts);
    }

    [Fact]
    public void EvaluateStream_InDropFromTheServer_Refused()
    {
        // The replies of a stream are "in" traffic: a drop of what the server sends refuses the stream too.
        var set = Compile(Rule("acr-in", direction: "in", policy: "drop", sourceCidr: "10.0.5.20/32", sourcePorts: "80/80"));
        Assert.Equal(new AclVerdict(false, "acr-in"), set.EvaluateStream(Client, Server, 80));
        Assert.True(set.EvaluateStream(Client, Server, 443).Accepts);
    }

    [Fact]
    public void EvaluateStream_RuleOnTheClientPort_NeverMatches()
    {
        // The gateway, not the client, opens the stream's socket: the client's port is unknown, so such a rule cannot apply.
        var set = Compile(
            Rule("acr-out", policy: "drop", sourcePorts: "1/65000"),
            Rule("acr-in", direction: "in", policy: "drop", destPorts: "1/65000"));
        Assert.True(set.EvaluateStream(Client, Server, 80).Accepts);
    }

    [Fact]
    public void EvaluateStream_HigherPriorityAccept_Overrides()
    {
        var set = Compile(
            Rule("acr-drop", policy: "drop", priority: 5, destPorts: "80/80"),
            Rule("acr-accept", policy: "accept", priority: 1, destCidr: "10.0.5.20/32", destPorts: "80/80"));
        Assert.True(set.EvaluateStream(Client, Server, 80).Accepts);
    }

    [Fact]
    public void EvaluateStreamToNonIpv4_DropAllSlashZero_Refused()
    {
        // 0.0.0.0/0 is every address: a drop-all stops streams to IPv6 too.
        var set = Compile(Rule("acr-all", protocol: "ALL", policy: "drop"));
        Assert.Equal(new AclVerdict(false, "acr-all"), set.EvaluateStreamToNonIpv4(Client, 443));
    }

    [Fact]
    public void EvaluateStreamToNonIpv4_NarrowerRemoteBlock_NeverMatches()
    {
        var set = Compile(
            Rule("acr-out", protocol: "ALL", policy: "drop", destCidr: "10.0.0.0/8"),
            Rule("acr-in", direction: "in", protocol: "ALL", policy: "drop", sourceCidr: "10.0.0.0/8"));
        Assert.Equal(AclVerdict.NoMatch, set.EvaluateStreamToNonIpv4(Client, 443));
    }

    [Fact]
    public void EvaluateStreamToNonIpv4_InDropSourceSlashZeroOnThePort_RefusedOtherPortsNot()
    {
        var set = Compile(Rule("acr-in", direction: "in", policy: "drop", sourcePorts: "443/443", destCidr: "10.8.0.0/16"));
        Assert.Equal(new AclVerdict(false, "acr-in"), set.EvaluateStreamToNonIpv4(Client, 443));
        Assert.True(set.EvaluateStreamToNonIpv4(Client, 80).Accepts);
        Assert.True(set.EvaluateStreamToNonIpv4(Server, 443).Accepts);
    }

    [Fact]
    public void EvaluateStreamToNonIpv4_ClientSidePortOrUdp_NeverMatches()
    {
        var set = Compile(
            Rule("acr-port", policy: "drop", sourcePorts: "1/65000"),
            Rule("acr-udp", protocol: "UDP", policy: "drop"));
        Assert.True(set.EvaluateStreamToNonIpv4(Client, 443).Accepts);
    }

    [Fact]
    public void Compile_MalformedRule_SkippedWithReasonOthersKept()
    {
        var bad = Rule("acr-bad", policy: "drop", destCidr: "10.0.5.20");
        var good = Rule("acr-good", policy: "drop", destPorts: "80/80");
        var set = AclRuleSet.Compile([bad, Rule("acr-sideways", direction: "sideways"), good], out var skipped);
        Assert.Equal(1, set.Count);
        Assert.Equal(["acr-bad", "acr-sideways"], skipped.Select(s => s.Rule.AcrId));
        Assert.Contains("DestCidr", skipped[0].Reason, StringComparison.Ordinal);
        Assert.False(set.Evaluate(AclDirection.Out, Tcp, Client, 1, Server, 80).Accepts);
        Assert.True(set.Evaluate(AclDirection.Out, Tcp, Client, 1, Server, 443).Accepts);
    }

    [Fact]
    public void Compile_HostBitsInCidr_MatchesTheNetwork()
    {
        var set = Compile(Rule("acr-net", policy: "drop", destCidr: "10.0.5.99/24"));
        Assert.False(set.Evaluate(AclDirection.Out, Tcp, Client, 1, Server, 80).Accepts);
    }

    private static AclRuleSet Compile(params AclRule[] rules)
    {
        var set = AclRuleSet.Compile(rules, out var skipped);
        Assert.Empty(skipped);
        return set;
    }

    private static AclRule Rule(string acrId, string direction = "out", string policy = "accept", string protocol = "TCP",
        string sourceCidr = "0.0.0.0/0", string sourcePorts = "-1/-1", string destCidr = "0.0.0.0/0", string destPorts = "-1/-1",
        int priority = 1, DateTimeOffset? created = null) => new()
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
            Priority = priority,
            CreatedAt = created ?? Start,
        };

    private static uint Ip(string text) => Ipv4.ToUInt32(IPAddress.Parse(text));
}
