using OpenSag.Domain;

namespace OpenSag.Core.Tests;

public sealed class ClientIpSliceTests
{
    [Theory]
    [InlineData("1/1")]
    [InlineData("2/4")]
    [InlineData("16777216/16777216")]
    public void TryParse_KOfAPowerOfTwo_Accepted(string text)
    {
        Assert.True(ClientIpSlice.TryParse(text, out var slice, out var error), error);
        Assert.Equal(text, slice.ToString());
    }

    [Theory]
    [InlineData("0/4")]
    [InlineData("5/4")]
    [InlineData("1/3")]
    [InlineData("1/0")]
    [InlineData("1/33554432")]
    [InlineData("-1/4")]
    [InlineData("1/4/2")]
    [InlineData("two/four")]
    [InlineData("")]
    public void TryParse_NotKOfAPowerOfTwo_RefusedWithAReason(string text)
    {
        Assert.False(ClientIpSlice.TryParse(text, out _, out var error));
        Assert.Contains(text, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1/1", "10.0.0.0/24", "10.0.0.1", "10.0.0.254")]
    [InlineData("1/2", "10.0.0.0/24", "10.0.0.1", "10.0.0.127")]
    [InlineData("2/2", "10.0.0.0/24", "10.0.0.128", "10.0.0.254")]
    [InlineData("3/4", "10.0.0.0/24", "10.0.0.128", "10.0.0.191")]
    [InlineData("2/4", "10.0.0.0/30", "10.0.0.1", "10.0.0.1")]
    [InlineData("256/256", "10.0.0.0/16", "10.0.255.0", "10.0.255.254")]
    public void HostsOf_Slice_FromItsFirstToItsLastUsableAddress(string sliceText, string cidr, string first, string last)
    {
        Assert.True(ClientIpSlice.TryParse(sliceText, out var slice, out _));
        Assert.True(ClientAddressSpace.TryParse(cidr, out var space));

        var hosts = slice.HostsOf(space);

        Assert.NotNull(hosts);
        Assert.Equal((first, last), (Ipv4.FromUInt32(hosts.Value.First).ToString(), Ipv4.FromUInt32(hosts.Value.Last).ToString()));
    }

    [Theory]
    [InlineData("1/4", "10.0.0.0/30")]
    [InlineData("4/4", "10.0.0.0/30")]
    [InlineData("1/8", "10.0.0.0/30")]
    public void HostsOf_SliceWithNoUsableAddress_Null(string sliceText, string cidr)
    {
        Assert.True(ClientIpSlice.TryParse(sliceText, out var slice, out _));
        Assert.True(ClientAddressSpace.TryParse(cidr, out var space));

        Assert.Null(slice.HostsOf(space));
    }

    [Theory]
    [InlineData("10.0.0.0/24", "10.0.0.128/25", true)]
    [InlineData("10.0.0.0/25", "10.0.0.128/25", false)]
    [InlineData("10.0.0.0/8", "10.200.0.0/16", true)]
    [InlineData("10.1.0.0/16", "10.2.0.0/16", false)]
    public void Overlaps_TwoBlocks_WhenTheyShareAnAddress(string a, string b, bool expected)
    {
        Assert.True(ClientAddressSpace.TryParse(a, out var first));
        Assert.True(ClientAddressSpace.TryParse(b, out var second));

        Assert.Equal(expected, first.Overlaps(second));
        Assert.Equal(expected, second.Overlaps(first));
    }
}
