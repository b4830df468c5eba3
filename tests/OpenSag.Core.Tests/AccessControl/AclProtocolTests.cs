using OpenSag.AccessControl;

namespace OpenSag.Core.Tests.AccessControl;

public sealed class AclProtocolTests
{
    [Theory]
    [InlineData("TCP", 6)]
    [InlineData("tcp", 6)]
    [InlineData("Tcp", 6)]
    [InlineData("UDP", 17)]
    [InlineData("udp", 17)]
    [InlineData("ICMP", 1)]
    [InlineData("icmp", 1)]
    public void TryParse_NamedProtocolAnyCase_ItsNumber(string text, byte number)
    {
        Assert.True(AclProtocol.TryParse(text, out var protocol));
        Assert.False(protocol.IsAny);
        Assert.Equal(number, protocol.Number);
    }

    [Theory]
    [InlineData("ALL")]
    [InlineData("all")]
    [InlineData("All")]
    public void TryParse_All_MatchesEveryProtocol(string text)
    {
        Assert.True(AclProtocol.TryParse(text, out var protocol));
        Assert.True(protocol.IsAny);
        Assert.True(protocol.Matches(1));
        Assert.True(protocol.Matches(6));
        Assert.True(protocol.Matches(47));
        Assert.False(protocol.HasPorts);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("GRE")]
    [InlineData("6")]
    [InlineData(" TCP")]
    [InlineData("TCP ")]
    [InlineData("ICMPv6")]
    [InlineData("any")]
    public void TryParse_Unsupported_Refused(string? text) => Assert.False(AclProtocol.TryParse(text, out _));

    [Theory]
    [InlineData("TCP", true)]
    [InlineData("UDP", true)]
    [InlineData("ICMP", false)]
    [InlineData("ALL", false)]
    public void HasPorts_OnlyTcpAndUdp(string text, bool hasPorts)
    {
        Assert.True(AclProtocol.TryParse(text, out var protocol));
        Assert.Equal(hasPorts, protocol.HasPorts);
    }

    [Fact]
    public void Matches_NamedProtocol_OnlyItsNumber()
    {
        Assert.True(AclProtocol.Tcp.Matches(6));
        Assert.False(AclProtocol.Tcp.Matches(17));
        Assert.False(AclProtocol.Icmp.Matches(6));
    }
}
