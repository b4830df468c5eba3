using OpenSag.Services;

namespace OpenSag.Core.Tests.AccessControl;

public sealed class AclFieldsTests
{
    [Theory]
    [InlineData("ab")]
    [InlineData("web-servers_1.2")]
    [InlineData("访问控制")]
    [InlineData("Ä1")]
    public void IsName_WellFormed_Accepted(string name) => Assert.True(AclFields.IsName(name));

    [Fact]
    public void IsName_AtTheLengthBoundaries_AcceptedUpTo128()
    {
        Assert.True(AclFields.IsName("a" + new string('b', 127)));
        Assert.False(AclFields.IsName("a" + new string('b', 128)));
        Assert.False(AclFields.IsName("a"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("1abc")]
    [InlineData("_abc")]
    [InlineData("ab cd")]
    [InlineData("ab/cd")]
    [InlineData("abc\n")]
    [InlineData("ab\u0661")] // an Arabic-Indic digit: \d would take it, the rule says 0–9
    public void IsName_Malformed_Refused(string name) => Assert.False(AclFields.IsName(name));

    [Fact]
    public void IsDescription_AtTheLengthBoundaries_Accepted1To512()
    {
        Assert.True(AclFields.IsDescription("x"));
        Assert.True(AclFields.IsDescription(new string('x', 512)));
        Assert.False(AclFields.IsDescription(new string('x', 513)));
        Assert.False(AclFields.IsDescription(""));
    }

    [Theory]
    [InlineData("in", true)]
    [InlineData("OUT", true)]
    [InlineData("In", true)]
    [InlineData("inbound", false)]
    [InlineData("", false)]
    public void IsDirection_AnyLetterCaseOfInOrOut(string value, bool expected) => Assert.Equal(expected, AclFields.IsDirection(value));

    [Theory]
    [InlineData("accept", true)]
    [InlineData("DROP", true)]
    [InlineData("deny", false)]
    public void IsPolicy_AnyLetterCaseOfAcceptOrDrop(string value, bool expected) => Assert.Equal(expected, AclFields.IsPolicy(value));

    [Theory]
    [InlineData("LAN", true)]
    [InlineData("wan", true)]
    [InlineData("VPC", false)]
    public void IsRuleType_AnyLetterCaseOfLanOrWan(string value, bool expected) => Assert.Equal(expected, AclFields.IsRuleType(value));

    [Theory]
    [InlineData("acl-hardware", true)]
    [InlineData("acl-software", true)]
    [InlineData("ACL-SOFTWARE", false)]
    [InlineData("software", false)]
    public void IsAclType_ExactlyTheTwoSdkValues(string value, bool expected) => Assert.Equal(expected, AclFields.IsAclType(value));

    [Theory]
    [InlineData("TCP", "80/80", "1/200", true)]
    [InlineData("udp", "-1/-1", "53/53", true)]
    [InlineData("ALL", "-1/-1", "-1/-1", true)]
    [InlineData("all", "1/65535", "-1/-1", true)]
    [InlineData("ICMP", "-1/-1", "1/65535", true)]
    [InlineData("ALL", "-1/-1", "80/80", false)]
    [InlineData("ICMP", "1/100", "-1/-1", false)]
    [InlineData("GRE", "-1/-1", "-1/-1", false)]
    [InlineData("TCP", "0/80", "-1/-1", false)]
    public void PortsFitProtocol_PortsOnlyNarrowTcpAndUdp(string protocol, string source, string dest, bool expected) =>
        Assert.Equal(expected, AclFields.PortsFitProtocol(protocol, source, dest));
}
