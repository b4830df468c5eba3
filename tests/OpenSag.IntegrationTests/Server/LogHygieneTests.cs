using OpenSag.Client;
using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.Server;

/// <summary>
/// What the server's log may hold (issue 9 item 3): no password or string to sign at any level, and values from
/// callers with their control characters escaped, so a caller cannot forge or hide log lines.
/// </summary>
public sealed class LogHygieneTests
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan LogTimeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Serve_DebugLogAndBadSignatureCarryingAPassword_LogsNeitherThePasswordNorTheStringToSign()
    {
        const string password = "Hunter2NotForLogs9";
        await using var server = await OpenSagServer.StartWithRandomKeysAsync("--log-level", "Debug");
        using var client = new SignedRpcClient(server);
        var query = client.SignedQuery("CreateSmartAccessGatewayClientUser", new Dictionary<string, string>
        {
            ["RegionId"] = "cn-shanghai",
            ["SmartAGId"] = "sag-0123456789abcdefghij",
            ["UserName"] = "user01",
            ["Password"] = password,
            ["UserMail"] = "user01@example.com",
        });
        var forged = query[..query.IndexOf("&Signature=", StringComparison.Ordinal)] + "&Signature=AAAAAAAAAAAAAAAAAAAAAAAAAAA%3D";

        var (status, body) = await client.SendAsync(server.Endpoint, forged).WaitAsync(RequestTimeout);

        Assert.Equal(400, status);
        // The caller still gets the cloud's answer, string to sign included (spec §2.4): it is the caller's own request.
        Assert.Contains("server string to sign is:GET&", body.GetProperty("Message").GetString(), StringComparison.Ordinal);
        var output = await Polling.UntilAsync(() => Task.FromResult(server.Output), o => o.Contains("refused: SignatureDoesNotMatch", StringComparison.Ordinal), LogTimeout, "the Debug line of the refusal");
        Assert.DoesNotContain(password, output, StringComparison.Ordinal);
        Assert.DoesNotContain("string to sign", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Password%3D", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_LoginWithControlCharactersInUserName_LogsThemEscaped()
    {
        await using var server = await OpenSagServer.StartWithRandomKeysAsync();
        // CR, LF, TAB and invisible characters are names a store can hold, so the login is checked and its refusal logged.
        var userName = "evil\r\n2026-01-01T00:00:00.000Z info: forged line\tend\u202E\\x1B";
        // ESC and NUL no store can hold: refused as a malformed login before any lookup, and nothing of it raw in the log.
        var unstorable = "evil\u001b[31mred\0end";
        foreach (var name in new[] { unstorable, userName })
        {
            var options = new ClientOptions(server.GatewayAddress, server.GatewayCertificatePath, "sag-0123456789abcdefghij", name, "any-password");
            await Assert.ThrowsAsync<LoginRefusedException>(() => ClientSession.LoginAsync(options, null, CancellationToken.None)).WaitAsync(RequestTimeout);
        }

        var output = await Polling.UntilAsync(() => Task.FromResult(server.Output), o => o.Contains("Login refused for", StringComparison.Ordinal), LogTimeout, "the log line of the refused login");
        var line = Assert.Single(output.Split('\n'), l => l.Contains("Login refused for", StringComparison.Ordinal));
        Assert.Contains(@"Login refused for evil\r\n2026-01-01T00:00:00.000Z info: forged line\tend\u202E\\x1B on ", line, StringComparison.Ordinal);
        Assert.DoesNotContain(output, c => c is '\u001b' or '\0' or '\r' or '\t' or '\u202E');
        Assert.DoesNotContain(output.Split('\n'), l => l.StartsWith("2026-01-01T00:00:00.000Z", StringComparison.Ordinal));
    }
}
