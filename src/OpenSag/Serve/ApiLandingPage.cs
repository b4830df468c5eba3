using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace OpenSag.Cli.Serve;

/// <summary>
/// A person who opens the API's address in a browser gets a short page saying what answers there, instead of the
/// cloud's <c>MissingAction</c> error in JSON. Only a bare <c>GET /</c> (no query, no body, no <c>x-acs-action</c>
/// header, no <c>Authorization</c>) whose <c>Accept</c> names <c>text/html</c> qualifies: no SDK sends that (they send
/// <c>Action</c> in the query or the header, and accept JSON or XML), so every call an SDK or a script makes keeps the
/// cloud's answer exactly.
/// </summary>
internal static class ApiLandingPage
{
    /// <summary>Middleware for the API listener's branch, ahead of the RPC endpoint.</summary>
    public static async Task ServeAsync(HttpContext http, RequestDelegate next)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(next);
        if (!IsBrowserVisit(http.Request))
        {
            await next(http);
            return;
        }

        var here = WebUtility.HtmlEncode($"{http.Request.Scheme}://{http.Request.Host}/");
        http.Response.ContentType = "text/html; charset=utf-8";
        http.Response.Headers.CacheControl = "no-store";
        http.Response.Headers.ContentSecurityPolicy = "default-src 'none'";
        await http.Response.WriteAsync(Page(here), http.RequestAborted);
    }

    private static bool IsBrowserVisit(HttpRequest request) =>
        HttpMethods.IsGet(request.Method)
        && request.Path == "/"
        && !request.QueryString.HasValue
        && request.ContentLength is null or 0
        && !request.Headers.ContainsKey("x-acs-action")
        && !request.Headers.ContainsKey(HeaderNames.Authorization)
        && request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals("text/html", StringComparison.OrdinalIgnoreCase));

    private static string Page(string here) => $$"""
        <!doctype html>
        <html lang="en">
        <head><meta charset="utf-8"><title>OpenSAG — Smartag API endpoint</title></head>
        <body>
        <h1>OpenSAG: Smartag API endpoint</h1>
        <p>This address, <code>{{here}}</code>, answers the Alibaba Cloud Smart Access Gateway API (product
        <code>Smartag</code>, version <code>2018-03-13</code>): signed RPC calls with an <code>Action</code> parameter, not pages.</p>
        <p>Point a client at it with an access key (the root key <code>opensag serve</code> printed on its first start, also in
        <code>root-profile.json</code> in its data folder):</p>
        <ul>
        <li><code>opensag smartag --endpoint {{here}} DescribeSmartAccessGateways --RegionId cn-shanghai</code></li>
        <li>the official SDKs, e.g. Node.js <code>@alicloud/pop-core</code> (<code>endpoint: '{{here}}'</code>,
        <code>apiVersion: '2018-03-13'</code>) or <code>@alicloud/openapi-client</code> (the host and port,
        <code>protocol: 'HTTP'</code>), and the other languages' Smartag 2018-03-13 clients configured the same way.</li>
        </ul>
        <p>The web console for people is served on its own address (<code>opensag serve --console-listen</code>, by default
        <code>127.0.0.1:8081</code>). <code>GET /healthz</code> here answers <code>ok</code> when the server is ready.</p>
        </body>
        </html>

        """;
}
