using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.Cli;

/// <summary>
/// <c>connect --tun</c>'s options (issue 11): one that means something only with --tun, given without it, a transport
/// that is not auto, udp or tls, and an interface name the kernel would refuse are each one line and exit 2, before
/// any interface is made or any gateway dialled (port 9 answers nothing), so these run without privileges.
/// </summary>
public sealed class ConnectTunUsageTests
{
    private static readonly Dictionary<string, string?> WithPassword = new() { ["OPENSAG_PASSWORD"] = "Passw0rd_1" };

    private static readonly string[] Connect = ["connect", "--gateway", "127.0.0.1:9", "--instance", "sag-x", "--user", "u"];

    [Theory]
    [InlineData("--tun-name needs --tun.", "--tun-name", "vpn0")]
    [InlineData("--transport needs --tun.", "--transport", "udp")]
    [InlineData("--no-dns needs --tun.", "--no-dns")]
    [InlineData("--tun-name, --transport, --no-dns need --tun.", "--tun-name", "vpn0", "--transport", "tls", "--no-dns")]
    public async Task Connect_TunOptionWithoutTun_ExitsTwoNamingIt(string expected, params string[] arguments)
    {
        var result = await OpensagCommand.RunAsync(WithPassword, [.. Connect, .. arguments]);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Equal("opensag connect: " + expected, Assert.Single(result.ErrorLines));
        Assert.Equal("", result.Stdout);
    }

    [Theory]
    [InlineData("sixteen-letters!")]
    [InlineData("a/b")]
    [InlineData("vpn 0")]
    [InlineData("eth0:1")]
    [InlineData("..")]
    public async Task Connect_TunNameTheKernelRefuses_ExitsTwoNamingIt(string name)
    {
        var result = await OpensagCommand.RunAsync(WithPassword, [.. Connect, "--tun", "--tun-name", name]);

        Assert.True(result.ExitCode == 2, result.ToString());
        var line = Assert.Single(result.ErrorLines);
        Assert.StartsWith("opensag connect: --tun-name: ", line, StringComparison.Ordinal);
        Assert.Contains($"'{name}'", line, StringComparison.Ordinal);
        Assert.DoesNotContain("(Parameter", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connect_UnknownTransport_ExitsTwoListingTheChoices()
    {
        var result = await OpensagCommand.RunAsync(WithPassword, [.. Connect, "--tun", "--transport", "carrier-pigeon"]);

        Assert.True(result.ExitCode == 2, result.ToString());
        var line = Assert.Single(result.ErrorLines);
        // Naming the option: System.CommandLine's own text ("Argument 'carrier-pigeon' not recognized") did not.
        Assert.StartsWith("opensag connect: --transport: ", line, StringComparison.Ordinal);
        Assert.Contains("carrier-pigeon", line, StringComparison.Ordinal);
        Assert.Contains("'auto' 'udp' 'tls'", line, StringComparison.Ordinal);
    }
}
