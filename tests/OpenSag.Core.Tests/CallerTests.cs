using System.Net;
using OpenSag.Services;

namespace OpenSag.Core.Tests;

public sealed class CallerTests
{
    [Theory]
    [InlineData("::ffff:192.0.2.1", "192.0.2.1")]
    [InlineData("192.0.2.1", "192.0.2.1")]
    [InlineData("2001:db8::1", "2001:db8::1")]
    public void AddressText_PeerAddress_WrittenAsTheFamilyItIs(string peer, string expected) =>
        Assert.Equal(expected, Caller.AddressText(IPAddress.Parse(peer)));

    [Fact]
    public void AddressText_Unknown_Empty() => Assert.Equal("", Caller.AddressText(null));
}
