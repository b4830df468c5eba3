using System.Net;
using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.Cli;

/// <summary>
/// <c>serve --config FILE</c> and <c>connect --profile FILE</c>: the command's own options as <c>name = value</c> lines,
/// checked exactly as on the command line, the command line winning; a mistake in the file is one line naming the
/// file and the line, exit 2.
/// </summary>
[Collection(SharedConformanceServer.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class OptionsFileTests(ConformanceServerFixture fixture)
{
    private static readonly Dictionary<string, string?> NoEnvironment = [];

    [Fact]
    public async Task ServeConfig_MisspeltName_ExitsTwoWithDidYouMean()
    {
        var file = Write("# the API\napi-listen = 127.0.0.1:0\n\nkeepalive-secnds = 20\n");

        var result = await OpensagCommand.RunAsync(NoEnvironment, "serve", "--config", file);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Equal($"opensag serve: --config {file}: line 4: unknown option 'keepalive-secnds'; did you mean keepalive-seconds?", Assert.Single(result.ErrorLines));
    }

    [Theory]
    [InlineData("api-listen = 127.0.0.1:0\napi-listen = 127.0.0.1:1\n", "line 2: api-listen is already given on line 1.")]
    [InlineData("api-listen 127.0.0.1:0\n", "line 1: expected name = value (api-listen = …), got 'api-listen 127.0.0.1:0'.")]
    [InlineData("no-shaping\n", "line 1: expected name = value (a switch is written no-shaping = true), got 'no-shaping'.")]
    [InlineData("--api-listen = 127.0.0.1:0\n", "line 1: '--api-listen': write option names without the leading --")]
    [InlineData("config = /etc/opensag/opensag.conf\n", "line 1: config cannot be given in the file it names.")]
    [InlineData("tls-cert =\n", "line 1: tls-cert has no value.")]
    public async Task ServeConfig_MalformedFile_ExitsTwoNamingTheLine(string text, string expected)
    {
        var file = Write(text);

        var result = await OpensagCommand.RunAsync(NoEnvironment, "serve", "--config", file);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.StartsWith($"opensag serve: --config {file}: {expected}", Assert.Single(result.ErrorLines), StringComparison.Ordinal);
    }

    /// <summary>A value is checked as typed: the file's bad keepalive is the command line's error, word for word.</summary>
    [Fact]
    public async Task ServeConfig_BadValue_SameErrorAsOnTheCommandLine()
    {
        var typed = await OpensagCommand.RunAsync(NoEnvironment, "serve", "--keepalive-seconds", "soon");
        var fromFile = await OpensagCommand.RunAsync(NoEnvironment, "serve", "--config", Write("keepalive-seconds = soon\n"));

        Assert.Equal(2, fromFile.ExitCode);
        Assert.Equal(typed.ErrorLines, fromFile.ErrorLines);
    }

    /// <summary>Every option serve --help lists (but --config and --help) is a key of the file under its own name.</summary>
    [Fact]
    public async Task ServeConfig_EveryServeOption_KnownUnderItsOwnName()
    {
        var help = await OpensagCommand.RunAsync(NoEnvironment, "serve", "--help");
        var names = help.Stdout.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("--", StringComparison.Ordinal))
            .Select(l => l.Split(' ', '<', ',')[0][2..]).Where(n => n is not "config" and not "help").Distinct().ToList();
        Assert.Contains("gateway-max-connections-per-address", names);
        Assert.Contains("log-format", names);
        // "x" is a bad value for most of them: the run must end at their values, not at an unknown name.
        var file = Write(string.Concat(names.Select(n => $"{n} = x\n")));

        var result = await OpensagCommand.RunAsync(NoEnvironment, "serve", "--config", file);

        Assert.Equal(2, result.ExitCode);
        Assert.DoesNotContain("--config", result.Stderr, StringComparison.Ordinal);
    }

    /// <summary>
    /// The fixture's --api-listen replaces the file's unusable one, and the file's log level still applies: Debug logs
    /// the refused call.
    /// </summary>
    [Fact]
    public async Task ServeConfig_OptionAlsoOnTheCommandLine_CommandLineWins()
    {
        var file = Write("api-listen = 256.0.0.1:1\nlog-level = Debug\n");
        await using var server = await OpenSagServer.StartWithRandomKeysAsync("--config", file);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(15) };

        using var response = await http.GetAsync(new Uri(server.Endpoint, "/?Version=2018-03-13"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        await Polling.UntilAsync(() => Task.FromResult(server.Output), o => o.Contains("refused: MissingAction", StringComparison.Ordinal),
            OpenSagServer.StartTimeout, "the Debug line of the refused call");
    }

    /// <summary>
    /// A profile supplies connect's required options and the password file; an unknown instance is refused at login
    /// (exit 3), so the profile's gateway, CA file, instance, user and password were all used.
    /// </summary>
    [Fact]
    public async Task ConnectProfile_AllOptionsAndPasswordFile_LogsInWithThem()
    {
        var password = Write("Passw0rd_1\n");
        File.SetUnixFileMode(password, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var profile = Write($"gateway = {fixture.Server.GatewayAddress}\nca-file = {fixture.Server.GatewayCertificatePath}\n"
            + $"instance = sag-nosuchinstance\nuser = someone\npassword-file = {password}\n");

        var result = await OpensagCommand.RunAsync(NoEnvironment, "connect", "--profile", profile);

        Assert.True(result.ExitCode == 3, result.ToString());
    }

    [Fact]
    public async Task ConnectProfile_PasswordFileOthersMayRead_ExitsTwoSayingChmod()
    {
        var password = Write("Passw0rd_1\n");
        File.SetUnixFileMode(password, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var profile = Write($"gateway = {fixture.Server.GatewayAddress}\ninstance = sag-x\nuser = someone\npassword-file = {password}\n");

        var result = await OpensagCommand.RunAsync(NoEnvironment, "connect", "--profile", profile);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Equal($"opensag connect: --password-file {password} may be read or changed by others than its owner (mode 644); chmod 600 it.", Assert.Single(result.ErrorLines));
    }

    /// <summary>--forward is repeatable; one typed replaces the profile's (here a bad one) rather than adding to them.</summary>
    [Fact]
    public async Task ConnectProfile_RepeatableOptionTyped_ReplacesTheProfilesValues()
    {
        var profile = Write("gateway = 127.0.0.1:9\ninstance = sag-x\nuser = u\nforward = bad\nforward = 127.0.0.1:0=10.0.0.2:80\n");

        var replaced = await OpensagCommand.RunAsync(NoEnvironment, "connect", "--profile", profile, "--forward", "127.0.0.1:0=10.0.0.1:80");
        var fromProfile = await OpensagCommand.RunAsync(NoEnvironment, "connect", "--profile", profile);

        // Past the forwards, connect stops at the password it has no way to ask for.
        Assert.True(replaced.ExitCode == 2, replaced.ToString());
        Assert.StartsWith("opensag connect: no password", Assert.Single(replaced.ErrorLines), StringComparison.Ordinal);
        Assert.Equal("opensag connect: --forward 'bad' is not LHOST:LPORT=THOST:TPORT.", Assert.Single(fromProfile.ErrorLines));
    }

    private static string Write(string text)
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("opensag-conf-").FullName, "opensag.conf");
        File.WriteAllText(path, text);
        return path;
    }
}
