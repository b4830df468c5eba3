using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Playwright;
using OpenSag.IntegrationTests.Gateway;
using OpenSag.IntegrationTests.Support;
using static Microsoft.Playwright.Assertions;

namespace OpenSag.IntegrationTests.WebConsole;

/// <summary>
/// The console's instance pages against live <c>opensag connect</c> clients in a real browser (issue 13 §1): an
/// instance and users made from the pages, their sessions shown, one session disconnected and one user kicked from the
/// sessions page (the clients end: a kicked one with exit code 4), the traffic chart, and the audit log naming the
/// signed-in key for each. With <c>OPENSAG_UPDATE_DOCS=1</c> it also saves the README's screenshots (docs/console/).
/// In the gateway collection: it runs several clients, as the gateway tests do, and must not compete with their timing.
/// </summary>
[Collection(SerialGatewayTests.Name)]
public sealed class BrowserSessionTests
{
    /// <summary>A kicked or disconnected client is told at once; this bounds the goodbye plus the process's own shutdown.</summary>
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(15);

    [ChromiumFact]
    public async Task SessionsPage_DisconnectOneSessionAndKickAUser_EndsExactlyThoseClientsAndAuditsTheSignedInKey()
    {
        await using var scenario = await BrowserScenario.StartAsync();
        var page = await scenario.SignedInPageAsync();
        var smartAgId = await BrowserScenario.CreateInstanceAsync(page, "branch-hangzhou", "10.40.0.0/24");
        await BrowserScenario.CreateInstanceAsync(page, "branch-chengdu", "10.50.0.0/24");
        const string alice = "alice-two-laptops";
        const string bob = "bob-kicked";
        await BrowserScenario.CreateUserAsync(page, smartAgId, alice, 20_000);
        await BrowserScenario.CreateUserAsync(page, smartAgId, bob, 20_000);
        await BrowserScenario.CreateUserAsync(page, smartAgId, "carol-offline", 2_000);
        await SaveDocScreenshotAsync(page, "/instances", "instances");
        await SaveDocScreenshotAsync(page, BrowserScenario.UsersPath(smartAgId), "users");

        // Real clients log in with what the pages made, and move some bytes (different amounts, so the chart's bars differ).
        string[] echo = [scenario.Gateway.Echo.Destination];
        var starting = new[] { alice, alice, bob }.Select(u => scenario.Gateway.ConnectOnlineAsync(smartAgId, u, echo)).ToArray();
        var clients = await Task.WhenAll(starting).WaitAsync(ConnectProcess.OnlineTimeout * 2);
        var (aliceFirst, aliceSecond, bobClient) = (clients[0], clients[1], clients[2]);
        await MoveBytesAsync(aliceFirst, 600_000);
        await MoveBytesAsync(aliceSecond, 200_000);
        await MoveBytesAsync(bobClient, 300_000);

        await scenario.ReloadSessionsUntilAsync(page, smartAgId,
            async p => await p.Locator("[data-test=session-row]").CountAsync() == 3, "the three sessions");
        foreach (var client in clients)
        {
            var row = BrowserScenario.SessionRow(page, client.SessionId!);
            await Expect(row).ToHaveAttributeAsync("data-user", client.UserName);
            await Expect(row).ToContainTextAsync(client.ClientIp!);
        }

        await SaveDocScreenshotAsync(page, BrowserScenario.SessionsPath(smartAgId), "sessions");

        // One of alice's two sessions: that client ends, her other one and bob's stay.
        await BrowserScenario.SessionRow(page, aliceFirst.SessionId!).Locator("[data-test=disconnect-session]").ClickAsync();
        await BrowserScenario.ExpectFlashAsync(page);
        // Told not to reconnect, like a kicked one (SessionCloseReason.Disconnected).
        Assert.Equal(4, await aliceFirst.WaitForExitAsync(ExitTimeout));
        await scenario.ReloadSessionsUntilAsync(page, smartAgId,
            async p => await BrowserScenario.SessionRow(p, aliceFirst.SessionId!).CountAsync() == 0, $"no row for the disconnected session {aliceFirst.SessionId}");
        await Expect(BrowserScenario.SessionRow(page, aliceSecond.SessionId!)).ToHaveCountAsync(1);
        await Expect(BrowserScenario.SessionRow(page, bobClient.SessionId!)).ToHaveCountAsync(1);
        Assert.False(aliceSecond.HasExited, $"alice's other session ended too.\n{aliceSecond.Output}");
        Assert.True(await TunnelTraffic.EchoesAsync(aliceSecond.ForwardPorts[0], TunnelTraffic.ProbeTimeout), $"alice's other session no longer tunnels.\n{aliceSecond.Output}");

        // Kick bob: his client exits with 4 (kicked out by the administrator) and his row goes.
        await BrowserScenario.SessionRow(page, bobClient.SessionId!).Locator("[data-test=kick-user]").ClickAsync();
        await BrowserScenario.ExpectFlashAsync(page);
        Assert.Equal(4, await bobClient.WaitForExitAsync(ExitTimeout));
        await scenario.ReloadSessionsUntilAsync(page, smartAgId,
            async p => await p.Locator($"[data-test=session-row][data-user=\"{bob}\"]").CountAsync() == 0, $"no row for kicked {bob}");
        await Expect(BrowserScenario.SessionRow(page, aliceSecond.SessionId!)).ToHaveCountAsync(1);
        Assert.False(aliceSecond.HasExited, $"kicking bob ended alice's session.\n{aliceSecond.Output}");

        // The chart has a bar per user who moved bytes this month.
        var month = DateTime.UtcNow.ToString("yyyyMM", CultureInfo.InvariantCulture);
        var chart = page.Locator("[data-test=traffic-chart]");
        await Polling.UntilAsync(async () =>
        {
            await page.GotoAsync($"{BrowserScenario.TrafficPath(smartAgId)}?month={month}");
            var text = await chart.TextContentAsync() ?? "";
            return text.Contains(alice, StringComparison.Ordinal) && text.Contains(bob, StringComparison.Ordinal);
        }, shown => shown, BrowserScenario.ReloadDeadline, $"the traffic chart of {month} names {alice} and {bob}");
        await SaveDocScreenshotAsync(page, null, "traffic");

        // Both actions are in the audit log with the key that was signed in.
        await page.GotoAsync("/audit");
        await Expect(page.Locator("[data-test=audit-table]")).ToBeVisibleAsync();
        var disconnected = page.Locator("[data-test=audit-row]").Filter(new() { HasText = "DisconnectSession" }).Filter(new() { HasText = aliceFirst.SessionId! });
        await Expect(disconnected).ToHaveCountAsync(1);
        await Expect(disconnected).ToContainTextAsync(scenario.AccessKeyId);
        var kicked = page.Locator("[data-test=audit-row]").Filter(new() { HasText = "KickOutClients" }).Filter(new() { HasText = bob });
        await Expect(kicked).ToHaveCountAsync(1);
        await Expect(kicked).ToContainTextAsync(scenario.AccessKeyId);
        await SaveDocScreenshotAsync(page, null, "audit");
    }

    /// <summary>Echoes <paramref name="bytes"/> random bytes through the client's forward (they count both ways).</summary>
    private static async Task MoveBytesAsync(ConnectProcess client, int bytes)
    {
        var payload = RandomNumberGenerator.GetBytes(bytes);
        var back = await TunnelTraffic.RoundTripAsync(client.ForwardPorts[0], payload, TimeSpan.FromSeconds(30));
        Assert.Equal(payload.Length, back.Length);
    }

    /// <summary>
    /// Opens <paramref name="path"/> (or stays, when null), checks it fits the window's width, and saves it for the
    /// README when asked to.
    /// </summary>
    private static async Task SaveDocScreenshotAsync(IPage page, string? path, string name)
    {
        if (path is not null)
        {
            await page.GotoAsync(path);
        }

        await BrowserScenario.AssertFitsWindowWidthAsync(page);
        await BrowserScenario.SaveDocScreenshotAsync(page, name);
    }
}
