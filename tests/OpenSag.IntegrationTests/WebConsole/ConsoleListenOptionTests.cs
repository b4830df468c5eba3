using System.Net;
using System.Security.Cryptography.X509Certificates;
using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.WebConsole;

/// <summary><c>serve --console-listen/--console-tls-cert/--console-tls-key</c>: TLS off loopback, HTTPS with Secure cookies, off.</summary>
public sealed class ConsoleListenOptionTests
{
    private static readonly Dictionary<string, string?> NoEnvironment = [];

    [Theory]
    [InlineData("0.0.0.0:0")]
    [InlineData("[::]:0")]
    [InlineData("192.0.2.1:8081")]
    public async Task Serve_ConsoleOffLoopbackWithoutCertificate_ExitsTwoNamingTheOption(string listen)
    {
        var folder = Directory.CreateTempSubdirectory("opensag-console-").FullName;
        try
        {
            var result = await OpensagCommand.RunAsync(NoEnvironment,
                "serve", "--data", Path.Combine(folder, "data"), "--api-listen", "127.0.0.1:0", "--gateway-listen", "127.0.0.1:0", "--console-listen", listen);

            Assert.True(result.ExitCode == 2, result.ToString());
            var line = Assert.Single(result.ErrorLines);
            Assert.StartsWith("opensag serve: --console-listen ", line, StringComparison.Ordinal);
            Assert.Contains("--console-tls-cert", line, StringComparison.Ordinal);
            Assert.False(Directory.Exists(Path.Combine(folder, "data")), "serve made its data folder before refusing the usage.");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Theory]
    [InlineData("nowhere", "--console-listen: 'nowhere' is not HOST:PORT")]
    [InlineData("off", "--console-tls-cert needs a console")]
    public async Task Serve_ConsoleOptionsWrong_ExitsTwoNamingTheOption(string listen, string expected)
    {
        var folder = Directory.CreateTempSubdirectory("opensag-console-").FullName;
        try
        {
            var cert = Path.Combine(folder, "cert.pem");
            await File.WriteAllTextAsync(cert, "not a certificate\n");
            string[] tls = listen == "off" ? ["--console-tls-cert", cert] : [];
            var result = await OpensagCommand.RunAsync(NoEnvironment,
                ["serve", "--data", Path.Combine(folder, "data"), "--api-listen", "127.0.0.1:0", "--gateway-listen", "127.0.0.1:0", "--console-listen", listen, .. tls]);

            Assert.True(result.ExitCode == 2, result.ToString());
            Assert.Contains(result.ErrorLines, l => l.Contains(expected, StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Serve_ConsoleTlsCertificateNotUsable_ExitsTwoNamingTheConsoleOption()
    {
        var folder = Directory.CreateTempSubdirectory("opensag-console-").FullName;
        try
        {
            var cert = Path.Combine(folder, "cert.pem");
            await File.WriteAllTextAsync(cert, "not a certificate\n");
            var result = await OpensagCommand.RunAsync(NoEnvironment,
                "serve", "--data", Path.Combine(folder, "data"), "--api-listen", "127.0.0.1:0", "--gateway-listen", "127.0.0.1:0", "--console-tls-cert", cert);

            Assert.True(result.ExitCode == 2, result.ToString());
            var line = Assert.Single(result.ErrorLines);
            Assert.StartsWith($"opensag serve: --console-tls-cert {cert}", line, StringComparison.Ordinal);
            Assert.Contains("--console-tls-key", line, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Serve_ConsoleWithCertificate_HttpsAndSecureCookies()
    {
        // Any PEM pair will do: the gateway's of another server.
        await using var donor = await OpenSagServer.StartWithRandomKeysAsync("--console-listen", "off");
        var cert = Path.Combine(donor.DataDir, "gateway-cert.pem");
        var key = Path.Combine(donor.DataDir, "gateway-key.pem");
        await using var server = await OpenSagServer.StartWithRandomKeysAsync("--console-tls-cert", cert, "--console-tls-key", key);
        using var pinned = X509Certificate2.CreateFromPemFile(cert, key);

        Assert.Null(donor.ConsoleEndpoint);
        Assert.Equal("https", server.ConsoleEndpoint!.Scheme);
        using var console = new ConsoleClient(server.ConsoleEndpoint, pinned);
        using var response = await console.TrySignInAsync(server.AccessKeyId, server.AccessKeySecret);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var cookies = response.Headers.GetValues("Set-Cookie").ToList();
        var session = Assert.Single(cookies, h => h.StartsWith("opensag-console=", StringComparison.Ordinal));
        Assert.Contains("secure", session.Split(';', StringSplitOptions.TrimEntries).Select(a => a.ToLowerInvariant()));
        Assert.Contains("data-test=\"instances-table\"", await console.PageAsync("/instances"), StringComparison.Ordinal);
    }
}
