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

    /// <summary>
    /// A client given CAP_NET_ADMIN with setcap made its interface and then failed configuring it with ip's bare
    /// "RTNETLINK answers: Operation not permitted": the capability does not pass to the ip child unless ambient.
    /// </summary>
    [Fact]
    public void Failure_IpNotPermitted_SaysTheCapabilityMustReachIp()
    {
        var failure = LinkConfig.Failure(["link", "set", "dev", "opensag0", "up"], new ToolProcess.Result(2, "", "RTNETLINK answers: Operation not permitted"));

        Assert.StartsWith("ip link set dev opensag0 up failed: RTNETLINK answers: Operation not permitted; ", failure.Message, StringComparison.Ordinal);
        Assert.Contains("run as root", failure.Message, StringComparison.Ordinal);
        Assert.Contains("--ambient-caps=+net_admin", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', failure.Message);
    }

    [Fact]
    public void Failure_OtherIpError_OnlyIpsWords()
    {
        var failure = LinkConfig.Failure(["route", "replace", "198.18.10.0/24", "dev", "nosuch0"], new ToolProcess.Result(1, "", "Cannot find device \"nosuch0\""));

        Assert.Equal("ip route replace 198.18.10.0/24 dev nosuch0 failed: Cannot find device \"nosuch0\"", failure.Message);
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
