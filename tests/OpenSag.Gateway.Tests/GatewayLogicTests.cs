using System.Net;
using OpenSag.Gateway;
using OpenSag.Gateway.Security;
using OpenSag.Gateway.Sessions;
using OpenSag.Gateway.Tunnels;

namespace OpenSag.Gateway.Tests;

public sealed class GatewayLogicTests
{
    [Fact]
    public void SessionTokens_IssuedToken_ReadsBackTheSameClaims()
    {
        var tokens = new SessionTokens(new byte[32]);
        var claims = new SessionClaims("5f0c", "sag-abc", "user.name@x", 7);

        Assert.True(tokens.TryRead(tokens.Issue(claims), out var read));
        Assert.Equal(claims, read);
    }

    [Fact]
    public void SessionTokens_TamperedGeneration_Refused()
    {
        var tokens = new SessionTokens(new byte[32]);
        var token = tokens.Issue(new SessionClaims("5f0c", "sag-abc", "alice01", 7));
        var parts = token.Split('.');
        parts[3] = "8";

        Assert.False(tokens.TryRead(string.Join('.', parts), out _));
    }

    [Fact]
    public void SessionTokens_OtherKey_Refused()
    {
        var token = new SessionTokens(new byte[32]).Issue(new SessionClaims("5f0c", "sag-abc", "alice01", 7));
        var otherKey = new byte[32];
        otherKey[0] = 1;

        Assert.False(new SessionTokens(otherKey).TryRead(token, out _));
    }

    [Theory]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("a.b.c.d.!!!")]
    public void SessionTokens_Garbage_Refused(string token) => Assert.False(new SessionTokens(new byte[32]).TryRead(token, out _));

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

    [Fact]
    public void LoginThrottle_FailuresUpToTheLimit_BlocksThatUserOnly()
    {
        var clock = new ManualClock();
        var options = new GatewayOptions { LoginFailuresPerUser = 3, LoginFailuresPerAddress = 100, LoginFailureWindow = TimeSpan.FromMinutes(1) };
        var throttle = new LoginThrottle(options, clock);

        for (var i = 0; i < 3; i++)
        {
            Assert.False(throttle.IsBlocked("sag-a/alice01", "127.0.0.1"));
            throttle.RecordFailure("sag-a/alice01", "127.0.0.1");
        }

        Assert.True(throttle.IsBlocked("sag-a/alice01", "127.0.0.2"));
        Assert.False(throttle.IsBlocked("sag-a/bobby01", "127.0.0.1"));

        clock.Now += TimeSpan.FromMinutes(1);
        Assert.False(throttle.IsBlocked("sag-a/alice01", "127.0.0.1"));
    }

    [Fact]
    public void LoginThrottle_FailuresFromOneAddress_BlockEveryUserFromIt()
    {
        var options = new GatewayOptions { LoginFailuresPerUser = 100, LoginFailuresPerAddress = 2 };
        var throttle = new LoginThrottle(options, new ManualClock());
        throttle.RecordFailure("sag-a/u0000001", "198.51.100.7");
        throttle.RecordFailure("sag-a/u0000002", "198.51.100.7");

        Assert.True(throttle.IsBlocked("sag-a/u0000003", "198.51.100.7"));
        Assert.False(throttle.IsBlocked("sag-a/u0000003", "198.51.100.8"));
    }

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
    public void TryParseDestination_Malformed_False(string text) => Assert.False(TunnelEndpoint.TryParseDestination(text, out _, out _));

    private sealed class ManualClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
