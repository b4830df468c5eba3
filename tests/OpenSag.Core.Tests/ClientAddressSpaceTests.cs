using System.Net;
using OpenSag.Domain;

namespace OpenSag.Core.Tests;

public sealed class ClientAddressSpaceTests
{
    [Theory]
    [InlineData("10.10.0.0/24", "10.10.0.0/24")]
    [InlineData("172.16.0.1/24", "172.16.0.0/24")]
    [InlineData("192.168.77.200/30", "192.168.77.200/30")]
    public void TryParse_WellFormedBlock_MasksHostBits(string text, string expected)
    {
        Assert.True(ClientAddressSpace.TryParse(text, out var space));
        Assert.Equal(expected, space.ToString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("10.0.0.0")]
    [InlineData("10.0.0.0/7")]
    [InlineData("10.0.0.0/31")]
    [InlineData("10.0.0/24")]
    [InlineData("::1/64")]
    [InlineData("10.0.0.0/+24")]
    [InlineData("banana/24")]
    public void TryParse_Malformed_False(string? text) => Assert.False(ClientAddressSpace.TryParse(text, out _));

    [Theory]
    [InlineData("10.10.0.1", true)]
    [InlineData("10.10.0.254", true)]
    [InlineData("10.10.0.0", false)]
    [InlineData("10.10.0.255", false)]
    [InlineData("10.10.1.1", false)]
    public void IsAssignable_Slash24_ExcludesNetworkAndBroadcast(string address, bool expected)
    {
        Assert.True(ClientAddressSpace.TryParse("10.10.0.0/24", out var space));
        Assert.Equal(expected, space.IsAssignable(IPAddress.Parse(address)));
    }

    [Fact]
    public void Ipv4_RoundTrip_SameAddress()
    {
        var address = IPAddress.Parse("203.0.113.77");
        Assert.Equal(0xCB00714Du, Ipv4.ToUInt32(address));
        Assert.Equal(address, Ipv4.FromUInt32(0xCB00714Du));
    }
}
