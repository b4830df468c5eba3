using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.WebConsole;

public sealed class ThrowAwayBrowserTests
{
    [ChromiumFact]
    public async Task TinyKestrelPage_OpenedInChromium_ShowsItsText()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        await using var app = builder.Build();
        app.MapGet("/", () => Results.Content("<html><body><p data-test=\"hello\">hello from kestrel</p></body></html>", "text/html"));
        await app.StartAsync().WaitAsync(TimeSpan.FromSeconds(30));
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();

        var started = System.Diagnostics.Stopwatch.StartNew();
        await using var chromium = await HeadlessChromium.LaunchAsync();
        var launched = started.Elapsed;
        var page = await chromium.NewPageAsync();
        await page.GotoAsync(address + "/");
        Assert.Equal("hello from kestrel", await page.Locator("[data-test=hello]").InnerTextAsync());
        var png = await page.ScreenshotAsync();
        Assert.True(png.Length > 1000);
        System.Console.Error.WriteLine($"launch {launched.TotalMilliseconds} ms, total {started.Elapsed.TotalMilliseconds} ms, {chromium.Browser.Version}");
        await app.StopAsync();
    }
}
