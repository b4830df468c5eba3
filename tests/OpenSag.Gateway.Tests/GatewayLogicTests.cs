using System.Net;
using OpenSag.Gateway;
using OpenSag.Gateway.Tunnels;

namespace OpenSag.Gateway.Tests;

public sealed class GatewayLogicTests
{
    [Theory]
    [InlineData("10.1.2.3", true)]
    [InlineData("172.31.255.255", true)]
    [InlineData("192.168.0.1", true)]
    [InlineData("::ffff:10.1.2.3", true)]
    [InlineData("127.0.0.1", false)]
    [InlineData("8.8.8.8", false)]
    [InlineData("172.32.0.1", false)]
    [InlineData("::1", false)]
    public void DestinationPolicy_DefaultPrivateRanges_AllowsOnlyThem(string address, bool allowed) =>
        Assert.Equal(allowed, new DestinationPolicy(new GatewayOptions().TunnelAllow).Allows(IPAddress.Parse(address)));

    [Theory]
    [InlineData("10.0.0.5:22", "10.0.0.5", 22)]
    [InlineData("[::1]:8080", "::1", 8080)]
    [InlineData("db.internal:5432", "db.internal", 5432)]
    public void TryParseDestination_HostPort_Split(string text, string host, int port)
    {
        Assert.True(TunnelEndpoint.TryParseDestination(text, out var h, out var p));
        Assert.Equal((host, port), (h, p));
    }

    [Theory]
    [InlineData("")]
    [InlineData("10.0.0.5")]
    [InlineData("10.0.0.5:0")]
    [InlineData("10.0.0.5:65536")]
    [InlineData(":80")]
    [InlineData("10.0.0.5\u0001:80")]
    [InlineData("db\u0000.internal:5432")]
    [InlineData("db internal:5432")]
    [InlineData("caf\u00E9.internal:80")]
    public void TryParseDestination_Malformed_False(string text) => Assert.False(TunnelEndpoint.TryParseDestination(text, out _, out _));
}
