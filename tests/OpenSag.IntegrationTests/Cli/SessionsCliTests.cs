using System.Text.Json;
using OpenSag.IntegrationTests.Gateway;
using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.Cli;

/// <summary>
/// <c>opensag sessions</c>, <c>opensag sessions kick</c> and <c>opensag status</c> end to end: real <c>opensag
/// connect</c> clients online, listed like <c>occtl show users</c>, ended one session or one user at a time (each
/// client exits 4), and the server's status, through the OpenSAG extension API at <c>/opensag</c>.
/// </summary>
[Collection(SerialGatewayTests.Name)]
public sealed class SessionsCliTests
{
    /// <summary>A kicked client is told at once; this bounds the goodbye plus the process's own shutdown.</summary>
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Sessions_ClientsOnline_ListedThenKickedBySessionAndByUser()
    {
        await using var scenario = await GatewayScenario.StartAsync();
        var sag = await scenario.CreateInstanceAsync();
        await scenario.CreateUserAsync(sag, "alice-cli01");
        await scenario.CreateUserAsync(sag, "bobby-cli01");
        var alice = await Task.WhenAll(scenario.ConnectOnlineAsync(sag, "alice-cli01"), scenario.ConnectOnlineAsync(sag, "alice-cli01"))
            .WaitAsync(ConnectProcess.OnlineTimeout * 2);
        var bob = await scenario.ConnectOnlineAsync(sag, "bobby-cli01").WaitAsync(ConnectProcess.OnlineTimeout);
        string[] instance = ["--instance", sag, "--region", scenario.RegionId];

        var json = await RunOkAsync(scenario, ["sessions", .. instance, "--output", "json"]);
        var listed = Json(json).GetProperty("Sessions").GetProperty("Session").EnumerateArray().ToList();
        Assert.Equal(alice.Append(bob).Select(c => c.SessionId).Order(StringComparer.Ordinal), listed.Select(s => s.GetProperty("SessionId").GetString()).Order(StringComparer.Ordinal));
        foreach (var client in alice.Append(bob))
        {
            var session = listed.Single(s => s.GetProperty("SessionId").GetString() == client.SessionId);
            Assert.Equal(client.UserName, session.GetProperty("UserName").GetString());
            Assert.Equal(client.ClientIp, session.GetProperty("ClientIp").GetString());
            Assert.StartsWith("127.0.0.1:", session.GetProperty("PeerAddress").GetString(), StringComparison.Ordinal);
            Assert.False(string.IsNullOrEmpty(session.GetProperty("Node").GetString()), session.ToString());
        }

        var table = await RunOkAsync(scenario, ["sessions", .. instance, "--output", "table"]);
        var lines = table.Stdout.ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches("^id +user +ClientIp +peer +since +up +down +node +client$", lines[0]);
        foreach (var client in alice.Append(bob))
        {
            var row = Assert.Single(lines, l => l.StartsWith(client.SessionId + " ", StringComparison.Ordinal));
            Assert.Equal(lines[0].IndexOf("user", StringComparison.Ordinal), row.IndexOf(client.UserName, StringComparison.Ordinal));
            Assert.Equal(lines[0].IndexOf("ClientIp", StringComparison.Ordinal), row.IndexOf(client.ClientIp!, StringComparison.Ordinal));
        }

        Assert.Equal("3 sessions online.", lines[^1]);

        // The region from the profile this time, as an operator who works in one region sets it once.
        var profile = Path.Combine(Directory.CreateTempSubdirectory("opensag-profile-").FullName, "profile.json");
        await File.WriteAllTextAsync(profile, JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["endpoint"] = scenario.Server.Endpoint.ToString(),
            ["accessKeyId"] = scenario.Server.AccessKeyId,
            ["accessKeySecret"] = scenario.Server.AccessKeySecret,
            ["regionId"] = scenario.RegionId,
        }));
        var onlyAlice = await OpensagCommand.RunAsync(new Dictionary<string, string?> { ["OPENSAG_PROFILE"] = profile },
            "sessions", "--instance", sag, "--user", "alice-cli01", "--output", "json");
        Assert.True(onlyAlice.ExitCode == 0, onlyAlice.ToString());
        Assert.Equal(2, Json(onlyAlice).GetProperty("Sessions").GetProperty("Session").GetArrayLength());

        var status = await RunOkAsync(scenario, ["status", "--output", "table"]);
        Assert.Contains("Sessions online: 3", status.Stdout, StringComparison.Ordinal);

        var bySession = await RunOkAsync(scenario, ["sessions", "kick", .. instance, "--session", bob.SessionId!, "--output", "table"]);
        Assert.Equal($"disconnected session {bob.SessionId} on {sag}.", bySession.Stdout.Trim());
        Assert.Equal(ConnectExitCodes.KickedOut, await bob.WaitForExitAsync(ExitTimeout));
        Assert.All(alice, a => Assert.False(a.HasExited, $"{a} exited when another user's session was disconnected.\n{a.Output}"));

        var again = await RunOkAsync(scenario, ["sessions", "kick", .. instance, "--session", bob.SessionId!, "--output", "json"]);
        Assert.False(Json(again).GetProperty("Disconnected").GetBoolean());

        var byUser = await RunOkAsync(scenario, ["sessions", "kick", .. instance, "--user", "alice-cli01", "--output", "table"]);
        Assert.Equal($"kicked alice-cli01: every session of the user on {sag} ended.", byUser.Stdout.Trim());
        var aliceExits = await Task.WhenAll(alice.Select(a => a.WaitForExitAsync(ExitTimeout)));
        Assert.All(aliceExits, code => Assert.Equal(ConnectExitCodes.KickedOut, code));

        var none = await RunOkAsync(scenario, ["sessions", .. instance, "--output", "table"]);
        Assert.Equal("no session online.", none.Stdout.Trim());
    }

    [Fact]
    public async Task Status_Table_VersionUptimeStoreNodeSessionsAndListeners()
    {
        await using var scenario = await GatewayScenario.StartAsync();

        var table = await RunOkAsync(scenario, ["status", "--output", "table"]);
        var json = Json(await RunOkAsync(scenario, ["status", "--output", "json"]));

        var lines = table.Stdout.ReplaceLineEndings("\n").Split('\n');
        Assert.Equal("Version: " + json.GetProperty("Version").GetString(), lines[0]);
        Assert.Equal("Node: " + json.GetProperty("Node").GetString(), lines[1]);
        Assert.Matches(@"^Uptime: (\d+[dhm] )*\d+s \(since \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", lines[2]);
        Assert.StartsWith("Store: sqlite ", lines[3], StringComparison.Ordinal);
        Assert.Equal("Sessions online: 0", lines[4]);
        Assert.Matches("^api +" + scenario.Server.Endpoint.Authority + "$|^api +http://" + scenario.Server.Endpoint.Authority + "/?$",
            Assert.Single(lines, l => l.StartsWith("api ", StringComparison.Ordinal)));
        Assert.Contains(lines, l => l.StartsWith("gateway ", StringComparison.Ordinal) && l.Contains(scenario.Server.GatewayAddress, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Sessions_UnknownInstanceInTheDefaultRegion_ExitsOneNamingTheRegionToPass()
    {
        await using var scenario = await GatewayScenario.StartAsync();

        var result = await RunAsync(scenario, ["sessions", "--instance", "sag-doesnotexist000000"]);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.StartsWith("ERROR: SAG.InstanceNoFound: ", result.ErrorLines[0], StringComparison.Ordinal);
        Assert.Contains("default region cn-hangzhou; pass --region", result.ErrorLines[1], StringComparison.Ordinal);
    }

    private static JsonElement Json(OpensagCommand.Result result)
    {
        using var document = JsonDocument.Parse(result.Stdout);
        return document.RootElement.Clone();
    }

    private static async Task<OpensagCommand.Result> RunOkAsync(GatewayScenario scenario, string[] arguments)
    {
        var result = await RunAsync(scenario, arguments);
        Assert.True(result.ExitCode == 0, $"opensag {string.Join(' ', arguments)}: {result}\n{scenario.Server.Output}");
        return result;
    }

    private static Task<OpensagCommand.Result> RunAsync(GatewayScenario scenario, string[] arguments) =>
        OpensagCommand.RunAsync(new Dictionary<string, string?>
        {
            ["OPENSAG_ENDPOINT"] = scenario.Server.Endpoint.ToString(),
            ["OPENSAG_ACCESS_KEY_ID"] = scenario.Server.AccessKeyId,
            ["OPENSAG_ACCESS_KEY_SECRET"] = scenario.Server.AccessKeySecret,
        }, arguments);

    /// <summary>README "Exit codes": <c>opensag connect</c> exits 4 when the administrator ended its session.</summary>
    private static class ConnectExitCodes
    {
        public const int KickedOut = 4;
    }
}
