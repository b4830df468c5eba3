using System.Security.Cryptography;
using Microsoft.Playwright;
using OpenSag.IntegrationTests.Support;
using static Microsoft.Playwright.Assertions;

namespace OpenSag.IntegrationTests.WebConsole;

/// <summary>
/// The console's door in a real browser (issue 13 §1): signing in with an access key, one generic refusal for a wrong
/// one, nothing reachable signed out or after signing out, and forms posted from another origin refused.
/// </summary>
public sealed class BrowserSignInTests
{
    /// <summary>The console's session cookie (src/OpenSag.WebConsole/SignIn/ConsoleSession.cs).</summary>
    private const string SessionCookie = "opensag-console";

    [ChromiumFact]
    public async Task SignIn_WrongKeyThenRightKey_OneGenericRefusalThenInstances()
    {
        await using var scenario = await BrowserScenario.StartAsync();
        var page = await scenario.NewPageAsync();

        // A known id with a wrong secret, and an unknown id: the same words for both, so the page tells nobody which
        // ids exist, and neither opens a session.
        await BrowserScenario.SignInAsync(page, scenario.AccessKeyId, RandomNumberGenerator.GetHexString(30));
        var refusal = page.Locator("[data-test=signin-error]");
        await Expect(refusal).ToBeVisibleAsync();
        var wrongSecret = await refusal.InnerTextAsync();
        await BrowserScenario.SignInAsync(page, "LTAI" + RandomNumberGenerator.GetHexString(20), scenario.Gateway.Server.AccessKeySecret);
        await Expect(refusal).ToBeVisibleAsync();
        Assert.Equal(wrongSecret, await refusal.InnerTextAsync());
        Assert.DoesNotContain(await page.Context.CookiesAsync(), c => c.Name == SessionCookie);
        await page.GotoAsync("/instances");
        Assert.Equal("/signin", new Uri(page.Url).AbsolutePath);

        await BrowserScenario.SignInAsync(page, scenario.AccessKeyId, scenario.Gateway.Server.AccessKeySecret);
        await page.WaitForURLAsync(scenario.Url("/instances"));
        await Expect(page.Locator("[data-test=instances-table]")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-test=signin-error]")).ToHaveCountAsync(0);
        await Expect(page.Locator("[data-test=signout]")).ToBeVisibleAsync();
        // Scripts on a page cannot read the session, and other sites' requests do not carry it cross-site.
        var session = Assert.Single(await page.Context.CookiesAsync(), c => c.Name == SessionCookie);
        Assert.True(session.HttpOnly, "the console's session cookie is not HttpOnly");
        Assert.NotEqual(SameSiteAttribute.None, session.SameSite);
    }

    [ChromiumFact]
    public async Task SignOut_ThenEveryPage_RedirectsToSignIn()
    {
        await using var scenario = await BrowserScenario.StartAsync();
        var smartAgId = await scenario.Gateway.CreateInstanceAsync();
        string[] pages = ["/", "/instances", $"/instances/{smartAgId}", BrowserScenario.UsersPath(smartAgId), BrowserScenario.SessionsPath(smartAgId),
            BrowserScenario.TrafficPath(smartAgId), "/audit"];

        var neverSignedIn = await scenario.NewPageAsync();
        foreach (var path in pages)
        {
            await neverSignedIn.GotoAsync(path);
            Assert.True(new Uri(neverSignedIn.Url).AbsolutePath == "/signin", $"signed out, {path} showed {neverSignedIn.Url}");
        }

        var page = await scenario.SignedInPageAsync();
        foreach (var path in pages)
        {
            var response = await page.GotoAsync(path);
            Assert.True(response is { Ok: true } && new Uri(page.Url).AbsolutePath != "/signin", $"signed in, {path} answered {response?.Status} at {page.Url}");
        }

        await page.Locator("[data-test=signout]").ClickAsync();
        await page.WaitForURLAsync(scenario.Url("/signin"));
        foreach (var path in pages)
        {
            await page.GotoAsync(path);
            Assert.True(new Uri(page.Url).AbsolutePath == "/signin", $"after signing out, {path} showed {page.Url}");
        }
    }

    [ChromiumFact]
    public async Task SignOut_SessionCookiesSavedBeforeAndRestoredInAFreshContext_RedirectsToSignIn()
    {
        await using var scenario = await BrowserScenario.StartAsync();
        var page = await scenario.SignedInPageAsync();
        var saved = (await page.Context.CookiesAsync()).Select(c => new Cookie
        {
            Name = c.Name,
            Value = c.Value,
            Domain = c.Domain,
            Path = c.Path,
            HttpOnly = c.HttpOnly,
            Secure = c.Secure,
            SameSite = c.SameSite,
        }).ToList();
        Assert.Contains(saved, c => c.Name == SessionCookie);

        await page.Locator("[data-test=signout]").ClickAsync();
        await page.WaitForURLAsync(scenario.Url("/signin"));

        // Someone who copied the cookie while the session was open (from the disk, a proxy's log) replays it.
        var replay = await scenario.NewPageAsync();
        await replay.Context.AddCookiesAsync(saved);
        await replay.GotoAsync("/instances");
        Assert.Equal("/signin", new Uri(replay.Url).AbsolutePath);
    }

    [ChromiumFact]
    public async Task CrossSitePost_FormsFromAnotherOrigin_RefusedAndChangeNothing()
    {
        await using var scenario = await BrowserScenario.StartAsync();
        await using var attacker = await OtherOriginSite.StartAsync();
        var page = await scenario.SignedInPageAsync();
        var smartAgId = await BrowserScenario.CreateInstanceAsync(page, "csrf-target", "10.30.0.0/24");
        const string user = "victor-victim";
        await BrowserScenario.CreateUserAsync(page, smartAgId, user, 2000);
        await page.GotoAsync("/instances");
        var instancesBefore = await page.Locator("[data-test=instance-row]").CountAsync();

        (string Name, string Path, Dictionary<string, string> Fields)[] forged =
        [
            ("create-instance", "/instances?handler=create",
                new() { ["RegionId"] = "cn-shanghai", ["Name"] = "forged", ["UserCount"] = "10", ["DataPlan"] = "10", ["Period"] = "1" }),
            ("delete-user", BrowserScenario.UsersPath(smartAgId) + "?handler=delete", new() { ["UserName"] = user }),
            ("disable-user", BrowserScenario.UsersPath(smartAgId) + "?handler=disable", new() { ["UserName"] = user }),
            ("sign-out", "/signout", new()),
        ];
        foreach (var (name, path, fields) in forged)
        {
            var url = attacker.ServeAutoSubmittingForm(name, scenario.Url(path), fields);
            var posted = await page.RunAndWaitForResponseAsync(() => page.GotoAsync(url),
                r => r.Request.Method == "POST" && r.Url.StartsWith(scenario.Console.ToString(), StringComparison.Ordinal));
            Assert.True(posted.Status is 400 or 403, $"the forged {name} POST answered {posted.Status}, not 400 or 403");
            // The browser did send the session along (127.0.0.1 is one site whatever the port): the refusal is the
            // anti-forgery check's, not a signed-out one.
            var cookies = await posted.Request.HeaderValueAsync("cookie") ?? "";
            Assert.Contains(SessionCookie + "=", cookies, StringComparison.Ordinal);
        }

        // Nothing changed, and the session is still open (the forged sign-out did not end it).
        await page.GotoAsync("/instances");
        Assert.Equal("/instances", new Uri(page.Url).AbsolutePath);
        await Expect(page.Locator("[data-test=instance-row]")).ToHaveCountAsync(instancesBefore);
        await Expect(page.Locator("[data-test=instance-row]").Filter(new() { HasText = "forged" })).ToHaveCountAsync(0);
        await page.GotoAsync(BrowserScenario.UsersPath(smartAgId));
        await Expect(BrowserScenario.UserRow(page, user).Locator("[data-test=user-state]")).ToHaveTextAsync("enabled");
    }
}
