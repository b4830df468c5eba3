using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace OpenSag.IntegrationTests.WebConsole;

/// <summary>
/// A web site of another origin than the console's (Kestrel in the test process on 127.0.0.1 with a port of its own):
/// what an attacker's page is to the browser. It serves whatever HTML the test put at a path. Being on 127.0.0.1 too, it
/// is the same <em>site</em> as the console, so the browser sends the console's SameSite cookies with its requests and
/// only the console's anti-forgery check stands between its forms and the console.
/// </summary>
public sealed class OtherOriginSite : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly WebApplication _app;
    private readonly Dictionary<string, string> _pages = new(StringComparer.Ordinal);

    private OtherOriginSite(WebApplication app) => _app = app;

    /// <summary>The site's base address, e.g. http://127.0.0.1:41240.</summary>
    public Uri Address { get; private set; } = null!;

    public static async Task<OtherOriginSite> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var site = new OtherOriginSite(builder.Build());
        site._app.MapGet("/{name}", (string name) =>
        {
            lock (site._pages)
            {
                return site._pages.TryGetValue(name, out var html) ? Results.Content(html, "text/html; charset=utf-8") : Results.NotFound();
            }
        });
        await site._app.StartAsync().WaitAsync(StartTimeout);
        site.Address = new Uri(site._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
        return site;
    }

    /// <summary>Serves <paramref name="html"/> at /<paramref name="name"/>; returns its absolute URL.</summary>
    public string Serve(string name, string html)
    {
        lock (_pages)
        {
            _pages[name] = html;
        }

        return new Uri(Address, "/" + name).ToString();
    }

    /// <summary>
    /// A page whose form posts <paramref name="fields"/> to <paramref name="target"/> as soon as it loads, as a forged
    /// request does (no anti-forgery token: another origin cannot read the console's pages to copy one).
    /// </summary>
    public string ServeAutoSubmittingForm(string name, string target, IReadOnlyDictionary<string, string> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        var inputs = string.Concat(fields.Select(f => $"<input type=\"hidden\" name=\"{WebUtility.HtmlEncode(f.Key)}\" value=\"{WebUtility.HtmlEncode(f.Value)}\">"));
        return Serve(name, $"<!DOCTYPE html><html><body><form id=\"forged\" method=\"post\" action=\"{WebUtility.HtmlEncode(target)}\">{inputs}</form>"
            + "<script>document.getElementById('forged').submit();</script></body></html>");
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().WaitAsync(StartTimeout);
        await _app.DisposeAsync();
    }
}
