using System.Runtime.Versioning;
using OpenSag.Gateway.Tun;

namespace OpenSag.Gateway.Tests.Tun;

[SupportedOSPlatform("linux")]
public sealed class TunNameAndDnsTests
{
    [Theory]
    [InlineData("opensag0")]
    [InlineData("a")]
    [InlineData("abcdefghijklmno")]
    [InlineData("tun-1.vpn_x")]
    public void ValidateName_KernelAcceptsIt_NoError(string name) => TunDevice.ValidateName(name);

    [Theory]
    [InlineData("")]
    [InlineData("abcdefghijklmnop")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("a/b")]
    [InlineData("a:b")]
    [InlineData("tun%d")]
    [InlineData("a b")]
    [InlineData("a\tb")]
    [InlineData("tün0")]
    public void ValidateName_BreaksARule_ArgumentException(string name)
    {
        var error = Assert.Throws<ArgumentException>(() => TunDevice.ValidateName(name));
        Assert.Equal("name", error.ParamName);
        Assert.Throws<ArgumentException>(() => TunDevice.Create(name));
    }

    [Fact]
    public void TryApply_NoServers_FalseAndSaysSo()
    {
        Assert.False(LinkDns.TryApply("opensag0", [], out var outcome));
        Assert.Equal("the gateway offered no DNS servers; DNS settings not changed", outcome);
    }

    [Theory]
    [InlineData("--interface")]
    [InlineData("198.18.0.53; rm")]
    [InlineData("dns.example")]
    public void TryApply_ServerNotAnAddress_FalseWithoutRunningAnything(string server)
    {
        Assert.False(LinkDns.TryApply("opensag0", ["198.18.0.53", server], out var outcome));
        Assert.Equal($"'{server}' is not an IP address; DNS servers not applied: 198.18.0.53 {server}", outcome);
    }
}
