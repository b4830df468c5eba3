using System.Text.Json;
using OpenSag.Client;
using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.Server;

/// <summary>
/// <c>serve --log-format json</c>: every line on stdout is one JSON object (Microsoft.Extensions.Logging's JSON console
/// formatter) with a UTC timestamp, the start-up lines and entries carrying caller values with line breaks included.
/// </summary>
public sealed class LogFormatTests
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(15);

    /// <summary>Under systemd (JOURNAL_STREAM set) stdout is the journal: a generated root key's secret stays in the profile.</summary>
    [Fact]
    public async Task Serve_GeneratedRootKeyUnderJournald_SecretNotPrinted()
    {
        await using var server = await OpenSagServer.StartInShellAsync("unset OPENSAG_ROOT_ACCESS_KEY_ID OPENSAG_ROOT_ACCESS_KEY_SECRET; export JOURNAL_STREAM=8:4242");

        using var profile = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(server.DataDir, "root-profile.json")));
        var secret = profile.RootElement.GetProperty("accessKeySecret").GetString()!;
        Assert.Contains("its secret is in", server.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, server.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_LogFormatJson_EveryStdoutLineIsOneJsonObjectWithAUtcTimestamp()
    {
        await using var server = await OpenSagServer.StartWithRandomKeysAsync("--log-format", "json", "--log-level", "Debug");
        using var client = new SignedRpcClient(server);
        // A refused call (Debug) and a refused login whose user name holds a line break (Information).
        var (status, _) = await client.CallAsync("DescribeSmartAccessGateways", new Dictionary<string, string>()).WaitAsync(RequestTimeout);
        Assert.Equal(400, status);
        var options = new ClientOptions(server.GatewayAddress, server.GatewayCertificatePath, "sag-0123456789abcdefghij", "evil\r\nforged line", "any-password");
        await Assert.ThrowsAsync<LoginRefusedException>(() => ClientSession.LoginAsync(options, null, CancellationToken.None)).WaitAsync(RequestTimeout);
        await Polling.UntilAsync(() => Task.FromResult(server.Output), o => o.Contains("Login refused for", StringComparison.Ordinal), RequestTimeout, "the refused login's entry");

        Assert.Equal(0, await server.StopAsync());

        // The fixture keeps stderr lines prefixed "err: "; there should be none, and every other line is stdout's.
        var lines = server.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith("--- exited", StringComparison.Ordinal)).ToList();
        Assert.DoesNotContain(lines, l => l.StartsWith("err: ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("OpenSAG API listening on", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("refused: MissingRegionId", StringComparison.Ordinal));
        foreach (var line in lines)
        {
            using var entry = JsonDocument.Parse(line);
            var timestamp = entry.RootElement.GetProperty("Timestamp").GetString()!;
            Assert.EndsWith("Z", timestamp, StringComparison.Ordinal);
            Assert.True(DateTimeOffset.TryParse(timestamp, System.Globalization.CultureInfo.InvariantCulture, out _), line);
            Assert.False(entry.RootElement.TryGetProperty("Scopes", out _), line);
        }
    }
}
