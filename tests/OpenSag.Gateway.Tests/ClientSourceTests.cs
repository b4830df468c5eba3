using System.Net;
using OpenSag.Security;

namespace OpenSag.Gateway.Tests;

/// <summary>One definition of a connection's source for the caps, the throttle and the password queue (ClientSource).</summary>
public sealed class ClientSourceTests
{
    [Theory]
    [InlineData("203.0.113.9", "203.0.113.9")]
    [InlineData("::ffff:203.0.113.9", "203.0.113.9")]
    [InlineData("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::")]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:2::")]
    public void Of_Address_IPv4OrIPv6Slash64(string address, string expected) =>
        Assert.Equal(IPAddress.Parse(expected), ClientSource.Of(IPAddress.Parse(address)));

    [Fact]
    public void Of_TwoHostsOfOneSlash64_SameSourceAndSameThrottleKey()
    {
        var (first, second) = (IPAddress.Parse("2001:db8:1:2::1"), IPAddress.Parse("2001:db8:1:2:ffff::9"));

        Assert.Equal(ClientSource.Of(first), ClientSource.Of(second));
        Assert.Equal(Sessions.LoginThrottle.SourceOf(first.ToString()), Sessions.LoginThrottle.SourceOf(second.ToString()));
    }
}
