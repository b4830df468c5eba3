using System.Globalization;
using System.Net;
using OpenSag.Client;
using OpenSag.Gateway.Protocol;
using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.Gateway;

/// <summary>
/// Session credentials end when they should (issue 9 item 5) and the password lockout cannot be turned into a weapon
/// (item 6): a logged-out token stays dead across a restart, a password reset ends every earlier token's right to
/// resume, a valid token resumes while the user is locked out, one source's failures limit only that source, and
/// <c>opensag connect</c> says "rate-limited" with its own exit code.
/// </summary>
[Collection(SerialGatewayTests.Name)]
public sealed class SessionCredentialTests
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(30);
    private static readonly IPAddress Attacker = IPAddress.Parse("127.0.0.2");

    [Fact]
    public async Task Resume_AfterLogout_RefusedAsExpiredAlsoAfterARestart()
    {
        await using var scenario = await GatewayScenario.StartAsync();
        var smartAgId = await scenario.CreateInstanceAsync();
        const string user = "olga-logs-out";
        await scenario.CreateUserAsync(smartAgId, user);
        var session = await ClientSession.LoginAsync(scenario.ClientOptions(smartAgId, user), null, CancellationToken.None).WaitAsync(ConnectProcess.OnlineTimeout);
        var token = session.Online.Token;

        await session.LogoutAsync(CancellationToken.None).WaitAsync(ExitTimeout);
        await session.DisposeAsync();
        await scenario.WaitOnlineCountAsync(smartAgId, user, 0, TimeSpan.FromSeconds(5));

        Assert.Equal(CloseReasons.SessionExpired, await ResumeRefusalAsync(scenario, smartAgId, user, token));
        await scenario.Server.RestartAsync();
        Assert.Equal(CloseReasons.SessionExpired, await ResumeRefusalAsync(scenario, smartAgId, user, token));
        Assert.Equal(0, await scenario.OnlineCountAsync(smartAgId, user));
    }

    [Fact]
    public async Task Resume_TokenFromBeforeAPasswordReset_RefusedAsExpired()
    {
        await using var scenario = await GatewayScenario.StartAsync();
        var smartAgId = await scenario.CreateInstanceAsync();
        const string user = "paul-reset";
        await scenario.CreateUserAsync(smartAgId, user);
        await using var session = await ClientSession.LoginAsync(scenario.ClientOptions(smartAgId, user), null, CancellationToken.None).WaitAsync(ConnectProcess.OnlineTimeout);

        await ResetPasswordAsync(scenario, smartAgId, user, "N3w_password-99");

        Assert.Equal(CloseReasons.SessionExpired, await ResumeRefusalAsync(scenario, smartAgId, user, session.Online.Token));
    }

    [Fact]
    public async Task Connect_TokenEndedByAPasswordResetThenNetworkDrop_LogsInAgainWithItsPassword()
    {
        await using var scenario = await GatewayScenario.StartAsync("--keepalive-seconds", "1");
        var smartAgId = await scenario.CreateInstanceAsync();
        const string user = "quin-reset-same";
        await scenario.CreateUserAsync(smartAgId, user);
        await using var proxy = new FaultyProxy(GatewayPort(scenario));
        var client = await scenario.ConnectOnlineAsync(smartAgId, user, gateway: proxy.Address);

        // Reset to the same password: the stored hash (new salt) changes, so the token may not resume, but the
        // password the client holds is still right.
        await ResetPasswordAsync(scenario, smartAgId, user, GatewayScenario.Password);
        proxy.DropAll();

        await client.WaitOnlineAsync(occurrence: 2, timeout: TimeSpan.FromSeconds(20));
        Assert.Contains("credential expired; logging in again with the password", client.Output, StringComparison.Ordinal);
        Assert.False(client.HasExited, client.Output);
    }

    [Fact]
    public async Task Connect_UserLockedOutByAttackersWhileOnline_NetworkDropResumes()
    {
        await using var scenario = await GatewayScenario.StartAsync("--keepalive-seconds", "1");
        var smartAgId = await scenario.CreateInstanceAsync();
        const string user = "rita-targeted";
        await scenario.CreateUserAsync(smartAgId, user);
        await using var proxy = new FaultyProxy(GatewayPort(scenario));
        var client = await scenario.ConnectOnlineAsync(smartAgId, user, gateway: proxy.Address);

        // Ten wrong passwords from three sources (4, 3, 3): enough to lock the user everywhere.
        for (var i = 0; i < 10; i++)
        {
            var source = IPAddress.Parse($"127.0.0.{2 + (i % 3)}");
            var answer = await LoginProbe.LoginAsync(scenario.Server.GatewayAddress, source, smartAgId, user, "Wr0ng_password");
            Assert.Equal(CloseReasons.LoginRefused, answer.Reason);
        }

        var locked = await LoginProbe.LoginAsync(scenario.Server.GatewayAddress, IPAddress.Parse("127.0.0.9"), smartAgId, user, GatewayScenario.Password);
        Assert.Equal(CloseReasons.RateLimited, locked.Reason);

        proxy.DropAll();

        await client.WaitOnlineAsync(occurrence: 2, timeout: TimeSpan.FromSeconds(20));
        Assert.False(client.HasExited, client.Output);
    }

    [Fact]
    public async Task Connect_ReconnectNeedsThePasswordWhileTheUserIsLockedOut_WaitsAndRetriesInsteadOfExiting()
    {
        await using var scenario = await GatewayScenario.StartAsync("--keepalive-seconds", "1");
        var smartAgId = await scenario.CreateInstanceAsync();
        const string user = "uma-waits";
        await scenario.CreateUserAsync(smartAgId, user);
        await using var proxy = new FaultyProxy(GatewayPort(scenario));
        var client = await scenario.ConnectOnlineAsync(smartAgId, user, gateway: proxy.Address);
        for (var i = 0; i < 10; i++)
        {
            await LoginProbe.LoginAsync(scenario.Server.GatewayAddress, IPAddress.Parse($"127.0.0.{2 + (i % 3)}"), smartAgId, user, "Wr0ng_password");
        }

        // The token may not resume (reset), and the password login it falls back to is rate-limited (locked out).
        await ResetPasswordAsync(scenario, smartAgId, user, GatewayScenario.Password);
        proxy.DropAll();

        await Polling.UntilAsync(() => Task.FromResult(client.Output), o => o.Contains("rate-limited by the gateway; retrying in", StringComparison.Ordinal),
            TimeSpan.FromSeconds(20), "connect says it is rate-limited and will retry");
        Assert.False(client.HasExited, $"a client that was online gave up on a rate limit.\n{client.Output}");
    }

    [Fact]
    public async Task Connect_WrongPasswordsFromOneSource_ThatSourceRateLimitedExit5OthersAndOtherUsersLogIn()
    {
        await using var scenario = await GatewayScenario.StartAsync();
        var smartAgId = await scenario.CreateInstanceAsync();
        await scenario.CreateUserAsync(smartAgId, "sam-victim");
        await scenario.CreateUserAsync(smartAgId, "tess-colleague");
        var gateway = scenario.Server.GatewayAddress;

        // Twenty-five failures from 127.0.0.1, five for each of five names (one unknown): every pair is at its limit.
        foreach (var name in new[] { "sam-victim", "nobody-0", "nobody-1", "nobody-2", "nobody-3" })
        {
            for (var i = 0; i < 5; i++)
            {
                Assert.Equal(CloseReasons.LoginRefused, (await LoginProbe.LoginAsync(gateway, IPAddress.Loopback, smartAgId, name, "Wr0ng_password")).Reason);
            }
        }

        // The same answer for a known and an unknown name: the limit tells nothing about which accounts exist.
        var known = await LoginProbe.LoginAsync(gateway, IPAddress.Loopback, smartAgId, "sam-victim", GatewayScenario.Password);
        var unknown = await LoginProbe.LoginAsync(gateway, IPAddress.Loopback, smartAgId, "nobody-0", GatewayScenario.Password);
        Assert.Equal(CloseReasons.RateLimited, known.Reason);
        Assert.Equal(known.Reason, unknown.Reason);
        Assert.InRange(known.RetryAfterSeconds ?? 0, 1, 60);

        // Another user behind the same address, and the victim from elsewhere, are not locked out.
        Assert.Equal("online", (await LoginProbe.LoginAsync(gateway, IPAddress.Loopback, smartAgId, "tess-colleague", GatewayScenario.Password)).Type);
        Assert.Equal("online", (await LoginProbe.LoginAsync(gateway, Attacker, smartAgId, "sam-victim", GatewayScenario.Password)).Type);

        var client = scenario.Connect(smartAgId, "sam-victim");
        Assert.True(await client.WaitForExitAsync(ExitTimeout) == 5, $"a rate-limited connect did not exit with 5.\n{client.Output}");
        var line = Assert.Single(client.Output.Split('\n'), l => l.StartsWith("err: ", StringComparison.Ordinal));
        Assert.Matches(@"^err: opensag connect: rate-limited: too many login attempts; try again in \d+ s$", line.TrimEnd('\r'));
    }

    private static async Task<string> ResumeRefusalAsync(GatewayScenario scenario, string smartAgId, string user, string token)
    {
        var refused = await Assert.ThrowsAsync<LoginRefusedException>(() =>
            ClientSession.LoginAsync(scenario.ClientOptions(smartAgId, user), new SessionResume(token, null), CancellationToken.None).WaitAsync(ConnectProcess.OnlineTimeout));
        return refused.Reason;
    }

    private static async Task ResetPasswordAsync(GatewayScenario scenario, string smartAgId, string user, string password) =>
        await scenario.CallOkAsync("ResetSmartAccessGatewayClientUserPassword", new() { ["SmartAGId"] = smartAgId, ["UserName"] = user, ["Password"] = password });

    private static int GatewayPort(GatewayScenario scenario) =>
        int.Parse(scenario.Server.GatewayAddress.AsSpan(scenario.Server.GatewayAddress.LastIndexOf(':') + 1), CultureInfo.InvariantCulture);
}
