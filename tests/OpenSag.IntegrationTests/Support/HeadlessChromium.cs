using Microsoft.Playwright;

namespace OpenSag.IntegrationTests.Support;

/// <summary>
/// Debian's Chromium (<c>/usr/bin/chromium</c>, which test.sh installs) driven headless through Playwright for .NET.
/// Playwright's own browser builds are never downloaded (<c>playwright install</c> needs a CDN this project cannot
/// reach): the browser is the distribution's, named by <see cref="ExecutablePath"/>. Dispose closes the browser and
/// stops Playwright's driver process.
/// </summary>
public sealed class HeadlessChromium : IAsyncDisposable
{
    /// <summary>Where Debian's <c>chromium</c> package puts the browser.</summary>
    public const string ExecutablePath = "/usr/bin/chromium";

    /// <summary>
    /// Bound on starting Playwright's driver (a Node.js process) and the browser; also the default bound of every
    /// page action and navigation, so a console that never answers fails the test instead of hanging it.
    /// </summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly IPlaywright _playwright;

    private HeadlessChromium(IPlaywright playwright, IBrowser browser)
    {
        _playwright = playwright;
        Browser = browser;
    }

    /// <summary>The running browser; each test makes its own contexts (separate cookie jars) from it.</summary>
    public IBrowser Browser { get; }

    /// <summary>
    /// Why browser tests are skipped here, or null to run them: without <see cref="ExecutablePath"/> they skip, except
    /// under CI (env <c>CI</c> set), where they run and fail in <see cref="LaunchAsync"/>, since CI must not pass untested.
    /// </summary>
    public static string? SkipReason =>
        File.Exists(ExecutablePath) || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"))
            ? null
            : $"needs Debian's Chromium at {ExecutablePath} (apt-get install chromium; test.sh installs it)";

    /// <summary>Starts Playwright's driver and a headless Chromium.</summary>
    /// <exception cref="InvalidOperationException">No browser at <see cref="ExecutablePath"/> (only reached under CI).</exception>
    /// <exception cref="TimeoutException">The driver or the browser did not start within <see cref="Timeout"/>.</exception>
    public static async Task<HeadlessChromium> LaunchAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException($"CI is set, so the browser tests must run, but there is no Chromium at {ExecutablePath} (test.sh installs Debian's chromium package).");
        }

        // Web-first assertions (Assertions.Expect) retry until this bound instead of their 5 s default, which a form
        // that hashes a password on a busy 2-core machine can exceed.
        Assertions.SetDefaultExpectTimeout((float)Timeout.TotalMilliseconds);
        var playwright = await Playwright.CreateAsync().WaitAsync(Timeout);
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = ExecutablePath,
                Headless = true,
                // Chromium's sandbox cannot run as root (it refuses to start with one), and tests run as root in CI
                // and for the namespace tests; as any other user the sandbox stays on. Playwright's default would be
                // --no-sandbox always.
                ChromiumSandbox = !Environment.IsPrivilegedProcess,
                Timeout = (float)Timeout.TotalMilliseconds,
            }).WaitAsync(Timeout);
            return new HeadlessChromium(playwright, browser);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A fresh context (no cookies) and a page in it whose actions and navigations are bounded by <see cref="Timeout"/>;
    /// closing the context closes the page.
    /// </summary>
    public async Task<IPage> NewPageAsync(Uri? baseUrl = null)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseUrl?.ToString(),
            // A common laptop screen: the size the screenshots in docs/console/ are taken at.
            ViewportSize = new ViewportSize { Width = 1280, Height = 800 },
        });
        context.SetDefaultTimeout((float)Timeout.TotalMilliseconds);
        context.SetDefaultNavigationTimeout((float)Timeout.TotalMilliseconds);
        return await context.NewPageAsync();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Browser.CloseAsync().WaitAsync(Timeout);
        }
        finally
        {
            _playwright.Dispose();
        }
    }
}

/// <summary>A test that drives <see cref="HeadlessChromium"/>: skipped (visibly) where there is no Chromium, failing under CI.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute() => Skip = HeadlessChromium.SkipReason!;
}
