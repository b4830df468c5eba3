using Microsoft.AspNetCore.Http;

namespace OpenSag.WebConsole;

/// <summary>
/// The headers every console answer carries: no script at all (the console has none, so an injected one cannot run),
/// styles only from the console itself, no framing, no referrer, and pages never cached (they show sessions and
/// secrets' consequences; the back button must not show a signed-out user what was on screen).
/// </summary>
public sealed class SecurityHeaders(RequestDelegate next)
{
    public const string ContentSecurityPolicy =
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    public Task InvokeAsync(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        var headers = http.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XFrameOptions = "DENY";
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        http.Response.OnStarting(() =>
        {
            // The style sheet sets its own; everything else is a page or a redirect.
            if (!http.Response.Headers.ContainsKey("Cache-Control"))
            {
                http.Response.Headers.CacheControl = "no-store";
            }

            return Task.CompletedTask;
        });
        return next(http);
    }
}
