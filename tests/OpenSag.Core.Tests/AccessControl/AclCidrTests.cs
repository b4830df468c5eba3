using System.Net;
using OpenSag.AccessControl;
using OpenSag.Domain;

namespace OpenSag.Core.Tests.AccessControl;

public sealed class AclCidrTests
{
    [Theory]
    [InlineData("10.0.0.0/8", "10.0.0.0/8")]
    [InlineData("192.168.1.7/24", "192.168.1.0/24")]
    [InlineData("0.0.0.0/0", "0.0.0.0/0")]
    [InlineData("255.255.255.255/0", "0.0.0.0/0")]
    [InlineData("10.1.2.3/32", "10.1.2.3/32")]
    [InlineData("172.16.0.1/12", "172.16.0.0/12")]
    public void TryParse_WellFormed_NetworkWithHostBitsCleared(string text, string network)
    {
        Assert.True(AclCidr.TryParse(text, out var cidr));
        Assert.Equal(network, cidr.ToString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("10.0.0.0")]
    [InlineData("10.0.0.0/")]
    [InlineData("10.0.0.0/33")]
    [InlineData("10.0.0.0/-1")]
    [InlineData("10.0.0/8")]
    [InlineData("10.0.0.0.0/8")]
    [InlineData("256.0.0.0/8")]
    [InlineData("010.0.0.0/8")]
    [InlineData("10.0.0.0/08")]
    [InlineData("0x0A.0.0.0/8")]
    [InlineData("10..0.0/8")]
    [InlineData(" 10.0.0.0/8")]
    [InlineData("10.0.0.0/8 ")]
    [InlineData("::/0")]
    [InlineData("10.0.0.0/8/8")]
    public void TryParse_Malformed_Refused(string? text) => Assert.False(AclCidr.TryParse(text, out _));

    [Theory]
    [InlineData("10.0.0.0/8", "10.255.255.255", true)]
    [InlineData("10.0.0.0/8", "11.0.0.0", false)]
    [InlineData("0.0.0.0/0", "203.0.113.9", true)]
    [InlineData("192.168.1.7/32", "192.168.1.7", true)]
    [InlineData("192.168.1.7/32", "192.168.1.8", false)]
    [InlineData("192.168.1.7/24", "192.168.1.200", true)]
    public void Contains_UsesTheNetwork(string text, string address, bool contained)
    {
        Assert.True(AclCidr.TryParse(text, out var cidr));
        Assert.Equal(contained, cidr.Contains(Ipv4.ToUInt32(IPAddress.Parse(address))));
    }
}
