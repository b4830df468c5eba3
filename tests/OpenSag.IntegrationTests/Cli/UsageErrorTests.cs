using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.Cli;

/// <summary>
/// A user's mistake on any command is one line on stderr and a documented exit code (README "Exit codes"),
/// never a stack trace: 2 for bad usage, 1 when the command cannot do its job.
/// </summary>
[Collection(SharedConformanceServer.Name)]
public sealed class UsageErrorTests(ConformanceServerFixture fixture)
{
    private static readonly Dictionary<string, string?> NoEnvironment = [];

    private static readonly Dictionary<string, string?> WithPassword = new() { ["OPENSAG_PASSWORD"] = "Passw0rd_1" };

    [Theory]
    [InlineData("serve", "--bogus-flag")]
    [InlineData("serve", "--keepalive-seconds", "soon")]
    [InlineData("serve", "--store", "mysql")]
    [InlineData("connect", "--gateway", "127.0.0.1:9", "--instance", "sag-x", "--user", "u", "--bogus-flag")]
    [InlineData("connect", "--instance", "sag-x", "--user", "u")]
    [InlineData("bogus-command")]
    [InlineData]
    public async Task ParseError_AnyCommand_ExitsTwoWithOneLine(params string[] arguments)
    {
        var result = await OpensagCommand.RunAsync(NoEnvironment, arguments);

        Assert.True(result.ExitCode == 2, result.ToString());
        var line = Assert.Single(result.ErrorLines);
        Assert.StartsWith("opensag", line, StringComparison.Ordinal);
        Assert.Contains("--help", line, StringComparison.Ordinal);
        Assert.Equal("", result.Stdout);
    }

    /// <summary>System.CommandLine's own texts named .NET types ("as expected type 'System.Int32'") and said "Required command was not provided" for a misspelt command.</summary>
    [Theory]
    [InlineData("opensag serve: --keepalive-seconds: 'soon' is not a whole number", "serve", "--keepalive-seconds", "soon")]
    [InlineData("opensag serve: --gateway-max-connections: '1k' is not a whole number", "serve", "--gateway-max-connections", "1k")]
    [InlineData("opensag serve: --gateway-max-connections-per-address: '5.5' is not a whole number", "serve", "--gateway-max-connections-per-address", "5.5")]
    [InlineData("opensag serve: --client-ip-slice: N in '2/3' must be a power of two", "serve", "--client-ip-slice", "2/3")]
    [InlineData("opensag serve: --client-ip-slice: K in '5/4' must be from 1 to N", "serve", "--client-ip-slice", "5/4")]
    [InlineData("opensag serve: --client-ip-slice: 'half' is not K/N", "serve", "--client-ip-slice", "half")]
    [InlineData("opensag serve: --store: Argument 'mysql' not recognized", "serve", "--store", "mysql")]
    [InlineData("opensag serve: --cluster-heartbeat: give 1 or more seconds.", "serve", "--cluster-heartbeat", "0")]
    [InlineData("opensag serve: --udp-listen needs --tun", "serve", "--udp-listen", "127.0.0.1:0")]
    [InlineData("opensag serve: --client-routes needs --tun", "serve", "--client-routes", "10.0.0.0/8")]
    [InlineData("opensag serve: --client-routes: 'ten' is not an IPv4 CIDR block", "serve", "--tun", "osag0", "--client-routes", "ten")]
    [InlineData("opensag serve: --udp-listen: 'nowhere' is not HOST:PORT", "serve", "--tun", "osag0", "--udp-listen", "nowhere")]
    [InlineData("opensag: unknown command 'serv'; did you mean serve?", "serv")]
    [InlineData("opensag: unknown command 'bogus-command'; the commands are serve, smartag, sessions, status and connect", "bogus-command")]
    [InlineData("opensag: no command given; the commands are serve, smartag, sessions, status and connect")]
    [InlineData("opensag: unknown command 'sesions'; did you mean sessions?", "sesions", "--instance", "sag-x")]
    [InlineData("opensag sessions: unknown command 'kik'; did you mean kick?", "sessions", "kik", "--instance", "sag-x")]
    [InlineData("opensag sessions: unknown option '--instnace'; did you mean --instance?", "sessions", "--instnace", "sag-x")]
    [InlineData("opensag sessions kick: unknown option '--sesion'; did you mean --session?", "sessions", "kick", "--instance", "sag-x", "--sesion", "s-1")]
    [InlineData("opensag status: unknown option '--endpont'; did you mean --endpoint?", "status", "--endpont", "http://127.0.0.1:9")]
    [InlineData("opensag serve: unknown option '--api-listn'; did you mean --api-listen?", "serve", "--api-listn", "127.0.0.1:0")]
    [InlineData("opensag connect: unknown option '--bogus-flag' (", "connect", "--gateway", "127.0.0.1:9", "--instance", "sag-x", "--user", "u", "--bogus-flag")]
    [InlineData("opensag sessions kick: give exactly one of --user NAME (every session of the user) and --session ID (one session).", "sessions", "kick", "--instance", "sag-x")]
    [InlineData("opensag sessions kick: give exactly one of --user NAME", "sessions", "kick", "--instance", "sag-x", "--user", "u", "--session", "s-1")]
    [InlineData("opensag sessions: --output: Argument 'yaml' not recognized", "sessions", "--instance", "sag-x", "--output", "yaml")]
    public async Task ParseError_MistypedNumberOrCommand_SaysWhatWasExpectedInOurWords(string expectedStart, params string[] arguments)
    {
        var result = await OpensagCommand.RunAsync(NoEnvironment, arguments);

        Assert.True(result.ExitCode == 2, result.ToString());
        var line = Assert.Single(result.ErrorLines);
        Assert.StartsWith(expectedStart, line, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", line, StringComparison.Ordinal);
        Assert.DoesNotContain("Required command", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not a certificate\n")]
    [InlineData("-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n")]
    public async Task Connect_CaFileNotACertificate_ExitsTwoNamingTheFile(string content)
    {
        var caFile = Path.Combine(Directory.CreateTempSubdirectory("opensag-ca-").FullName, "not-a-cert.pem");
        await File.WriteAllTextAsync(caFile, content);

        var result = await OpensagCommand.RunAsync(WithPassword,
            "connect", "--gateway", fixture.Server.GatewayAddress, "--ca-file", caFile, "--instance", "sag-x", "--user", "u");

        Assert.True(result.ExitCode == 2, result.ToString());
        var line = Assert.Single(result.ErrorLines);
        Assert.StartsWith($"opensag connect: --ca-file {caFile} ", line, StringComparison.Ordinal);
    }

    /// <summary>
    /// A certificate file the client may not read (serve writes gateway-cert.pem mode 600; a copy kept so and used by
    /// another account) was called "not a PEM certificate file". As root the read is refused by dropping the
    /// capabilities that bypass file modes (setpriv), as a non-root user by the mode alone.
    /// </summary>
    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Connect_CaFileUnreadable_ExitsTwoSayingItCannotBeRead()
    {
        var caFile = Path.Combine(Directory.CreateTempSubdirectory("opensag-ca-").FullName, "gateway-cert.pem");
        File.Copy(fixture.Server.GatewayCertificatePath, caFile);
        File.SetUnixFileMode(caFile, UnixFileMode.None);
        string[] connect = [RepositoryLayout.ServerAssemblyPath, "connect", "--gateway", fixture.Server.GatewayAddress, "--ca-file", caFile, "--instance", "sag-x", "--user", "u"];
        string[] withoutFileModeBypass = ["--inh-caps=-dac_override,-dac_read_search", "--bounding-set=-dac_override,-dac_read_search", "--", RepositoryLayout.DotnetHost];

        var result = Environment.IsPrivilegedProcess
            ? await OpensagCommand.RunProgramAsync("setpriv", [.. withoutFileModeBypass, .. connect], WithPassword, workingDirectory: null)
            : await OpensagCommand.RunProgramAsync(RepositoryLayout.DotnetHost, connect, WithPassword, workingDirectory: null);

        Assert.True(result.ExitCode == 2, result.ToString());
        var line = Assert.Single(result.ErrorLines);
        Assert.StartsWith($"opensag connect: --ca-file {caFile} cannot be read (", line, StringComparison.Ordinal);
        Assert.DoesNotContain("not a PEM", line, StringComparison.Ordinal);
        File.Delete(caFile);
    }

    /// <summary>
    /// A library's ArgumentException reached the user with .NET's " (Parameter 'name')" suffix, naming a parameter of
    /// a method the user never saw.
    /// </summary>
    [Theory]
    [InlineData("opensag serve: --tun: An interface name is 1 to 15 characters; 'sixteen-letters!' has 16.", "serve", "--tun", "sixteen-letters!")]
    [InlineData("opensag serve: --tun: 'no/slash' is not a usable interface name", "serve", "--tun", "no/slash")]
    [InlineData("opensag serve: --postgres: not a valid connection string: ", "serve", "--store", "postgres", "--postgres", "Foo=bar")]
    public async Task Serve_ValueALibraryRefuses_OneLineWithoutDotnetsParameterName(string expectedStart, params string[] arguments)
    {
        var result = await OpensagCommand.RunAsync(NoEnvironment, arguments);

        Assert.True(result.ExitCode == 2, result.ToString());
        var line = Assert.Single(result.ErrorLines);
        Assert.StartsWith(expectedStart, line, StringComparison.Ordinal);
        Assert.DoesNotContain("(Parameter", line, StringComparison.Ordinal);
    }

    /// <summary>
    /// The server's side of <see cref="Connect_CaFileNotACertificate_ExitsTwoNamingTheFile"/>: a certificate file that is
    /// not PEM, or one without its key and no --tls-key, was found only while starting, as exit 1 with .NET's text.
    /// </summary>
    [Theory]
    [InlineData("not a certificate\n", false)]
    [InlineData(null, false)]
    [InlineData(null, true)]
    public async Task Serve_TlsCertificateNotUsable_ExitsTwoNamingTheOption(string? content, bool keyIsTheCertificate)
    {
        var folder = Directory.CreateTempSubdirectory("opensag-tls-").FullName;
        var certFile = fixture.Server.GatewayCertificatePath;
        if (content is not null)
        {
            certFile = Path.Combine(folder, "cert.pem");
            await File.WriteAllTextAsync(certFile, content);
        }

        string[] key = keyIsTheCertificate ? ["--tls-key", certFile] : [];
        var result = await OpensagCommand.RunAsync(NoEnvironment,
            ["serve", "--data", Path.Combine(folder, "data"), "--api-listen", "127.0.0.1:0", "--gateway-listen", "127.0.0.1:0", "--tls-cert", certFile, .. key]);

        Assert.True(result.ExitCode == 2, result.ToString());
        var line = Assert.Single(result.ErrorLines);
        Assert.StartsWith($"opensag serve: --tls-cert {certFile}", line, StringComparison.Ordinal);
        Assert.Contains(keyIsTheCertificate ? "--tls-key" : "give its key with --tls-key", line, StringComparison.Ordinal);
        Directory.Delete(folder, recursive: true);
    }

    /// <summary>Every option naming a file said "does not exist" for a folder that plainly does.</summary>
    [Theory]
    [InlineData("smartag", "DescribeSmartAccessGateways", "--RegionId", "cn-shanghai", "--profile", "{folder}")]
    [InlineData("connect", "--gateway", "127.0.0.1:9", "--instance", "sag-x", "--user", "u", "--ca-file", "{folder}")]
    [InlineData("serve", "--tls-cert", "{folder}")]
    [InlineData("serve", "--secrets-key", "{folder}")]
    public async Task FileOption_GivenAFolder_ExitsTwoSayingItIsAFolder(params string[] arguments)
    {
        var folder = Directory.CreateTempSubdirectory("opensag-folder-").FullName;

        var result = await OpensagCommand.RunAsync(WithPassword, [.. arguments.Select(a => a.Replace("{folder}", folder, StringComparison.Ordinal))]);

        Assert.True(result.ExitCode == 2, result.ToString());
        var line = Assert.Single(result.ErrorLines);
        Assert.Contains(folder, line, StringComparison.Ordinal);
        Assert.Contains("is a folder, not a file", line, StringComparison.Ordinal);
        Directory.Delete(folder);
    }

    /// <summary>A key without its certificate was ignored: serve started on a self-signed certificate, saying nothing.</summary>
    [Fact]
    public async Task Serve_TlsKeyWithoutTlsCert_ExitsTwoNamingBoth()
    {
        var folder = Directory.CreateTempSubdirectory("opensag-key-alone-").FullName;
        var keyFile = Path.Combine(folder, "gateway-key.pem");
        await File.WriteAllTextAsync(keyFile, "-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n");

        var result = await OpensagCommand.RunAsync(NoEnvironment,
            "serve", "--data", Path.Combine(folder, "data"), "--api-listen", "127.0.0.1:0", "--gateway-listen", "127.0.0.1:0", "--tls-key", keyFile);

        Assert.True(result.ExitCode == 2, result.ToString());
        var line = Assert.Single(result.ErrorLines);
        Assert.Contains("--tls-key needs --tls-cert", line, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(folder, "data")), "serve made its data folder before refusing the usage.");
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task Serve_DataIsAFile_ExitsOneSayingItIsAFile()
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("opensag-data-file-").FullName, "README.md");
        await File.WriteAllTextAsync(file, "not a folder\n");

        var result = await OpensagCommand.RunAsync(NoEnvironment, "serve", "--data", file, "--api-listen", "127.0.0.1:0", "--gateway-listen", "127.0.0.1:0");

        Assert.True(result.ExitCode == 1, result.ToString());
        var line = Assert.Single(result.ErrorLines);
        Assert.Equal($"opensag serve: the data folder {file} is a file; give --data a folder (it is made if missing).", line);
        Directory.Delete(Path.GetDirectoryName(file)!, recursive: true);
    }

    [Fact]
    public async Task Connect_ApiPortAsGateway_ExitsOneSayingItDidNotAnswerTls()
    {
        var apiPort = fixture.Server.Endpoint.Authority;

        var result = await OpensagCommand.RunAsync(WithPassword,
            "connect", "--gateway", apiPort, "--ca-file", fixture.Server.GatewayCertificatePath, "--instance", "sag-x", "--user", "u");

        Assert.True(result.ExitCode == 1, result.ToString());
        var line = Assert.Single(result.ErrorLines);
        Assert.Contains($"the gateway at {apiPort} did not answer TLS", line, StringComparison.Ordinal);
        Assert.Contains("API port", line, StringComparison.Ordinal);
    }

    /// <summary>
    /// The mirror of <see cref="Connect_ApiPortAsGateway_ExitsOneSayingItDidNotAnswerTls"/>: the gateway's port as the
    /// API endpoint, or the API over https, was "An error occurred while sending the request." or "The SSL
    /// connection could not be established, see inner exception.", which name neither the cause nor the fix.
    /// </summary>
    [Theory]
    [InlineData("http", "gateway")]
    [InlineData("https", "gateway")]
    [InlineData("https", "api")]
    public async Task Smartag_EndpointNotTheApi_ExitsOneNamingTheEndpointAndTheApiLine(string scheme, string port)
    {
        var authority = port == "api" ? fixture.Server.Endpoint.Authority : fixture.Server.GatewayAddress;
        var endpoint = $"{scheme}://{authority}";

        var result = await OpensagCommand.RunAsync(NoEnvironment,
            "smartag", "DescribeSmartAccessGateways", "--RegionId", "cn-shanghai", "--endpoint", endpoint, "--access-key-id", "LTAIx", "--access-key-secret", "x");

        Assert.True(result.ExitCode == 1, result.ToString());
        var line = Assert.Single(result.ErrorLines);
        Assert.StartsWith($"opensag smartag: the endpoint {endpoint} did not answer as the API (", line, StringComparison.Ordinal);
        Assert.Contains("'OpenSAG API listening on'", line, StringComparison.Ordinal);
        Assert.DoesNotContain("inner exception", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connect_SelfSignedGatewayWithoutCaFile_ExitsOneSayingTheCertificateIsNotTrusted()
    {
        var result = await OpensagCommand.RunAsync(WithPassword,
            "connect", "--gateway", fixture.Server.GatewayAddress, "--instance", "sag-x", "--user", "u");

        Assert.True(result.ExitCode == 1, result.ToString());
        var line = Assert.Single(result.ErrorLines);
        Assert.Contains("certificate is not trusted", line, StringComparison.Ordinal);
        Assert.Contains("UntrustedRoot", line, StringComparison.Ordinal);
    }
}
