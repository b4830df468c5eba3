using System.Diagnostics;
using OpenSag.IntegrationTests.Support;
using Xunit.Abstractions;

namespace OpenSag.IntegrationTests.Gateway;

/// <summary>
/// How a session ends is recorded as it really happened (issue 10 items 10–12): a logout is a client close, a kick
/// is a kick, only a silent client is a keepalive timeout, and a frozen client leaves the online list within twice
/// the keepalive interval, as the README promises. The client says what happened in one line.
/// </summary>
[Collection(SerialGatewayTests.Name)]
public sealed class SessionEndTests(ITestOutputHelper output)
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan LogTimeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Connect_Sigterm_ServerLogsClientClosed()
    {
        await using var scenario = await GatewayScenario.StartAsync();
        var smartAgId = await scenario.CreateInstanceAsync();
        const string user = "olga-logs-out";
        await scenario.CreateUserAsync(smartAgId, user);
        var client = await scenario.ConnectOnlineAsync(smartAgId, user);

        Assert.Equal(0, await client.StopAsync());

        await WaitForServerLogAsync(scenario, $"Session {client.SessionId} of {user} on {smartAgId} closed: ClientClosed");
        Assert.DoesNotContain($"Session {client.SessionId} of {user} on {smartAgId} closed: KeepaliveTimeout", scenario.Server.Output, StringComparison.Ordinal);
        Assert.DoesNotContain($"Session {client.SessionId} of {user} on {smartAgId} closed: ConnectionLost", scenario.Server.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connect_Sigkill_ServerLogsConnectionLostAtOnce()
    {
        // Default keepalive (15 s): the session ends when the kernel closes the dead process's socket, long before
        // a keepalive timeout could, and the log says the connection was lost, not that a keepalive was missed.
        await using var scenario = await GatewayScenario.StartAsync();
        var smartAgId = await scenario.CreateInstanceAsync();
        const string user = "ravi-crashes";
        await scenario.CreateUserAsync(smartAgId, user);
        var client = await scenario.ConnectOnlineAsync(smartAgId, user);

        await client.KillAsync();

        await scenario.WaitOnlineCountAsync(smartAgId, user, 0, TimeSpan.FromSeconds(5));
        await WaitForServerLogAsync(scenario, $"Session {client.SessionId} of {user} on {smartAgId} closed: ConnectionLost");
    }

    [Fact]
    public async Task KickOutClients_OneSession_ClientSaysItOnceAndServerLogsKickedOutInTheSingular()
    {
        await using var scenario = await GatewayScenario.StartAsync();
        var smartAgId = await scenario.CreateInstanceAsync();
        const string user = "pia-kicked";
        await scenario.CreateUserAsync(smartAgId, user);
        var client = await scenario.ConnectOnlineAsync(smartAgId, user);

        await scenario.KickOutAsync(smartAgId, user);

        Assert.Equal(4, await client.WaitForExitAsync(ExitTimeout));
        var errors = client.Output.Split('\n').Where(l => l.StartsWith("err: ", StringComparison.Ordinal)).ToArray();
        Assert.Equal(["err: opensag connect: kicked out by administrator — do not reconnect"], errors);
        await WaitForServerLogAsync(scenario, $"Session {client.SessionId} of {user} on {smartAgId} closed: KickedOut");
        await WaitForServerLogAsync(scenario, $"user {user} on {smartAgId}, sessions closed: 1");
        Assert.DoesNotContain("1 sessions", scenario.Server.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connect_FrozenWithSigstop_LeavesOnlineListWithinTwiceTheKeepaliveAsKeepaliveTimeout()
    {
        const int keepaliveSeconds = 2;
        var bound = TimeSpan.FromSeconds(2 * keepaliveSeconds);
        // What the measurement adds to the gateway's own bound: one poll interval (100 ms) and the API call itself.
        var observation = TimeSpan.FromMilliseconds(600);
        await using var scenario = await GatewayScenario.StartAsync("--keepalive-seconds", keepaliveSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var smartAgId = await scenario.CreateInstanceAsync();
        const string user = "quinn-freezes";
        await scenario.CreateUserAsync(smartAgId, user);
        var client = await scenario.ConnectOnlineAsync(smartAgId, user);
        var drops = new List<TimeSpan>();
        try
        {
            // Each freeze lands at another moment of the heartbeat's 500 ms ticks: the client comes online (again)
            // whenever its reconnect happens to finish.
            for (var freeze = 1; freeze <= 4; freeze++)
            {
                var sessionId = client.SessionId;
                var clock = Stopwatch.StartNew();
                await client.FreezeAsync();
                await scenario.WaitOnlineCountAsync(smartAgId, user, 0, bound * 3);
                drops.Add(clock.Elapsed);
                await WaitForServerLogAsync(scenario, $"Session {sessionId} of {user} on {smartAgId} closed: KeepaliveTimeout");

                await client.ThawAsync();
                await client.WaitOnlineAsync(occurrence: freeze + 1);
            }
        }
        finally
        {
            await client.ThawAsync();
        }

        output.WriteLine($"frozen client left the online list after (ms): {string.Join(", ", drops.Select(d => d.TotalMilliseconds.ToString("0", System.Globalization.CultureInfo.InvariantCulture)))}; bound {bound.TotalMilliseconds} ms");
        Assert.All(drops, d => Assert.True(d <= bound + observation, $"a frozen client stayed online {d.TotalMilliseconds:0} ms; the bound is {bound.TotalMilliseconds} ms (+{observation.TotalMilliseconds} ms to observe it)"));
    }

    private static Task<string> WaitForServerLogAsync(GatewayScenario scenario, string text) =>
        Polling.UntilAsync(() => Task.FromResult(scenario.Server.Output), o => o.Contains(text, StringComparison.Ordinal), LogTimeout,
            $"the server log contains \"{text}\"");
}
