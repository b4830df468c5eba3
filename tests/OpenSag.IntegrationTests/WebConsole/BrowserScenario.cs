using Microsoft.Playwright;
using OpenSag.IntegrationTests.Gateway;
using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.WebConsole;

/// <summary>
/// One browser test's world: a <see cref="GatewayScenario"/> (real <c>opensag serve</c>, echo service, connect
/// processes) whose server also runs the web console (on 127.0.0.1 with a free port), and a headless Chromium to drive
/// it. Elements are found by the console's <c>data-test</c> attributes (kept stable for these tests), never by layout
/// that a restyle would change. Disposing closes the browser, then the scenario.
/// </summary>
public sealed class BrowserScenario : IAsyncDisposable
{
    /// <summary>
    /// How long a page may take to show a change made elsewhere (a session coming online, its row going away): the
    /// session list is read live from the gateway, so the bound only covers a login and a page load on a busy machine.
    /// </summary>
    public static readonly TimeSpan ReloadDeadline = TimeSpan.FromSeconds(20);

    private BrowserScenario(GatewayScenario gateway, HeadlessChromium chromium, Uri console)
    {
        Gateway = gateway;
        Chromium = chromium;
        Console = console;
    }

    public GatewayScenario Gateway { get; }

    public HeadlessChromium Chromium { get; }

    /// <summary>The console's base address as serve printed it, e.g. http://127.0.0.1:41236.</summary>
    public Uri Console { get; }

    /// <summary>The server's root access key id: what the console shows as the signed-in key and audits.</summary>
    public string AccessKeyId => Gateway.Server.AccessKeyId;

    /// <summary>Starts the server (the fixture puts its console on 127.0.0.1:0), then the browser.</summary>
    public static async Task<BrowserScenario> StartAsync()
    {
        var gateway = await GatewayScenario.StartAsync();
        try
        {
            var console = gateway.Server.ConsoleEndpoint ?? throw new InvalidOperationException($"serve printed no console address.\n{gateway.Server.Output}");
            var chromium = await HeadlessChromium.LaunchAsync();
            return new BrowserScenario(gateway, chromium, console);
        }
        catch
        {
            await gateway.DisposeAsync();
            throw;
        }
    }

    /// <summary>A page in a fresh context (its own cookies), signed out, whose relative URLs are the console's.</summary>
    public async Task<IPage> NewPageAsync()
    {
        var page = await Chromium.NewPageAsync(Console);
        // The console's destructive buttons may ask "are you sure?"; an operator says yes (Playwright would say no).
        page.Dialog += (_, dialog) => _ = dialog.AcceptAsync();
        return page;
    }

    /// <summary>A page in a fresh context, signed in with the server's root key, on /instances.</summary>
    public async Task<IPage> SignedInPageAsync()
    {
        var page = await NewPageAsync();
        await SignInAsync(page, Gateway.Server.AccessKeyId, Gateway.Server.AccessKeySecret);
        await page.WaitForURLAsync(Url("/instances"));
        return page;
    }

    /// <summary>Fills and submits the sign-in form (wherever it leads: the caller checks).</summary>
    public static async Task SignInAsync(IPage page, string accessKeyId, string accessKeySecret)
    {
        ArgumentNullException.ThrowIfNull(page);
        await page.GotoAsync("/signin");
        var form = page.Locator("[data-test=signin-form]");
        await form.Locator("input[name=AccessKeyId]").FillAsync(accessKeyId);
        await form.Locator("input[name=AccessKeySecret]").FillAsync(accessKeySecret);
        await form.Locator("button[type=submit]").ClickAsync();
        await page.WaitForLoadStateAsync(LoadState.Load);
    }

    /// <summary>
    /// Creates an instance from the /instances form with the given name and CidrBlock; returns its SmartAGId (from the
    /// row that shows that name).
    /// </summary>
    public static async Task<string> CreateInstanceAsync(IPage page, string name, string cidrBlock)
    {
        ArgumentNullException.ThrowIfNull(page);
        await page.GotoAsync("/instances");
        var form = page.Locator("[data-test=create-instance]");
        await form.Locator("input[name=Name]").FillAsync(name);
        await form.Locator("input[name=CidrBlock]").FillAsync(cidrBlock);
        await form.Locator("button[type=submit]").ClickAsync();
        await ExpectFlashAsync(page);
        var row = page.Locator("[data-test=instance-row]").Filter(new() { HasText = name });
        await Assertions.Expect(row).ToHaveCountAsync(1);
        return await row.GetAttributeAsync("data-instance") ?? throw new InvalidOperationException("an instance-row without data-instance");
    }

    /// <summary>Creates a client user with <see cref="GatewayScenario.Password"/> from the users page of the instance.</summary>
    public static async Task CreateUserAsync(IPage page, string smartAgId, string userName, int bandwidthKbps)
    {
        ArgumentNullException.ThrowIfNull(page);
        await page.GotoAsync(UsersPath(smartAgId));
        var form = page.Locator("[data-test=create-user]");
        await form.Locator("input[name=UserName]").FillAsync(userName);
        await form.Locator("input[name=Password]").FillAsync(GatewayScenario.Password);
        await form.Locator("input[name=UserMail]").FillAsync(userName + "@example.com");
        await form.Locator("input[name=Bandwidth]").FillAsync(bandwidthKbps.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await form.Locator("button[type=submit]").ClickAsync();
        await ExpectFlashAsync(page);
        await Assertions.Expect(UserRow(page, userName)).ToHaveCountAsync(1);
    }

    /// <summary>
    /// Waits for the page that a form led to and asserts it reports success (<c>flash</c>), failing with the console's
    /// refusal (<c>error</c>: the API's Code and Message) when it shows one instead.
    /// </summary>
    public static async Task ExpectFlashAsync(IPage page)
    {
        ArgumentNullException.ThrowIfNull(page);
        var outcome = page.Locator("[data-test=flash], [data-test=error]").First;
        await Assertions.Expect(outcome).ToBeVisibleAsync();
        if (await outcome.GetAttributeAsync("data-test") == "error")
        {
            Assert.Fail($"{page.Url} refused: {await outcome.InnerTextAsync()}");
        }
    }

    /// <summary>The row of <paramref name="userName"/> on a users page.</summary>
    public static ILocator UserRow(IPage page, string userName) =>
        page.Locator($"[data-test=user-row][data-user=\"{userName}\"]");

    /// <summary>The row of session <paramref name="sessionId"/> on a sessions page.</summary>
    public static ILocator SessionRow(IPage page, string sessionId) =>
        page.Locator($"[data-test=session-row][data-session=\"{sessionId}\"]");

    public static string UsersPath(string smartAgId) => $"/instances/{Uri.EscapeDataString(smartAgId)}/users";

    public static string SessionsPath(string smartAgId) => $"/instances/{Uri.EscapeDataString(smartAgId)}/sessions";

    public static string TrafficPath(string smartAgId) => $"/instances/{Uri.EscapeDataString(smartAgId)}/traffic";

    /// <summary>
    /// Reloads the sessions page until <paramref name="sessionRowCount"/> says the expected rows are there (a page is
    /// a snapshot: nothing on it updates by itself), within <see cref="ReloadDeadline"/>.
    /// </summary>
    public async Task ReloadSessionsUntilAsync(IPage page, string smartAgId, Func<IPage, Task<bool>> shown, string what)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(shown);
        var status = 0;
        try
        {
            await Polling.UntilAsync(async () =>
            {
                status = (await page.GotoAsync(SessionsPath(smartAgId)))?.Status ?? 0;
                // A failing page will not heal by reloading: say so now, with the server's log.
                Assert.True(status < 500, $"the sessions page of {smartAgId} answered {status}.\n{Gateway.Server.Output}");
                return await shown(page);
            }, done => done, ReloadDeadline, $"the sessions page of {smartAgId} shows {what}");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\nthe page (HTTP {status}) said: {await page.Locator("body").InnerTextAsync()}\n{Gateway.Server.Output}", e);
        }
    }

    /// <summary>The absolute console URL of <paramref name="path"/>.</summary>
    public string Url(string path) => new Uri(Console, path).ToString();

    /// <summary>
    /// Asserts the page is no wider than the window (1280 px, <see cref="HeadlessChromium"/>): a wide table scrolls in
    /// its own box rather than widening the page past the header bar.
    /// </summary>
    public static async Task AssertFitsWindowWidthAsync(IPage page)
    {
        ArgumentNullException.ThrowIfNull(page);
        var widths = await page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, window.innerWidth]");
        Assert.True(widths[0] <= widths[1], $"{page.Url} is {widths[0]} px wide in a {widths[1]} px window");
    }

    /// <summary>
    /// With <c>OPENSAG_UPDATE_DOCS=1</c>, saves the whole page as docs/console/<paramref name="name"/>.png for the README
    /// (the same switch regenerates the repository's other generated docs); otherwise does nothing.
    /// </summary>
    public static async Task SaveDocScreenshotAsync(IPage page, string name)
    {
        ArgumentNullException.ThrowIfNull(page);
        if (Environment.GetEnvironmentVariable("OPENSAG_UPDATE_DOCS") != "1")
        {
            return;
        }

        var directory = Path.Combine(RepositoryLayout.RootDirectory, "docs", "console");
        Directory.CreateDirectory(directory);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(directory, name + ".png"), FullPage = true });
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Chromium.DisposeAsync();
        }
        finally
        {
            await Gateway.DisposeAsync();
        }
    }
}
