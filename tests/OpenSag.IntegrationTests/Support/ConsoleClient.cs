using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;

namespace OpenSag.IntegrationTests.Support;

/// <summary>
/// A browser without a browser for the web console: cookies kept, redirects not followed (tests look at them), forms
/// posted with the anti-forgery token read from the page that holds the form, every request bounded in time.
/// </summary>
public sealed partial class ConsoleClient : IDisposable
{
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(15);

    private readonly HttpClient _http;

    /// <param name="baseAddress">The console's base address (<see cref="OpenSagServer.ConsoleEndpoint"/>).</param>
    /// <param name="pinned">For an HTTPS console: the one certificate to trust.</param>
    public ConsoleClient(Uri baseAddress, X509Certificate2? pinned = null)
    {
        Cookies = new CookieContainer();
        var handler = new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = Cookies };
        if (pinned is not null)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                certificate is not null && certificate.GetCertHashString() == pinned.GetCertHashString();
        }

        _http = new HttpClient(handler) { BaseAddress = baseAddress, Timeout = RequestTimeout };
    }

    public CookieContainer Cookies { get; }

    public Uri BaseAddress => _http.BaseAddress!;

    public async Task<HttpResponseMessage> GetAsync(string path) => await _http.GetAsync(new Uri(path, UriKind.Relative));

    /// <summary>GETs <paramref name="path"/>, which must answer 200; returns the page.</summary>
    public async Task<string> PageAsync(string path)
    {
        using var response = await GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path} answered {(int)response.StatusCode} {response.Headers.Location}: {body}");
        return body;
    }

    /// <summary>Posts <paramref name="fields"/> to <paramref name="action"/> with the anti-forgery token of the page at <paramref name="formPage"/>.</summary>
    public async Task<HttpResponseMessage> PostFormAsync(string formPage, string action, IReadOnlyDictionary<string, string> fields)
    {
        var token = Token(await PageAsync(formPage)) ?? throw new InvalidOperationException($"{formPage} holds no anti-forgery token.");
        return await PostAsync(action, new Dictionary<string, string>(fields) { ["__RequestVerificationToken"] = token });
    }

    /// <summary>Posts exactly <paramref name="fields"/> (no token unless the caller put one in).</summary>
    public async Task<HttpResponseMessage> PostAsync(string action, IReadOnlyDictionary<string, string> fields)
    {
        using var content = new FormUrlEncodedContent(fields);
        return await _http.PostAsync(new Uri(action, UriKind.Relative), content);
    }

    /// <summary>Signs in; the answer (302 to /instances on success).</summary>
    public Task<HttpResponseMessage> TrySignInAsync(string accessKeyId, string secret) =>
        PostFormAsync("/signin", "/signin", new Dictionary<string, string> { ["AccessKeyId"] = accessKeyId, ["AccessKeySecret"] = secret });

    /// <summary>Signs in as the server's root key, which must succeed.</summary>
    public async Task SignInAsync(OpenSagServer server)
    {
        ArgumentNullException.ThrowIfNull(server);
        using var response = await TrySignInAsync(server.AccessKeyId, server.AccessKeySecret);
        Assert.True(response.StatusCode == HttpStatusCode.Redirect && response.Headers.Location?.OriginalString == "/instances",
            $"sign-in answered {(int)response.StatusCode} {response.Headers.Location}: {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>The anti-forgery token of the first form of <paramref name="html"/>, or null.</summary>
    public static string? Token(string html)
    {
        ArgumentNullException.ThrowIfNull(html);
        var match = TokenField().Match(html);
        return match.Success ? WebUtility.HtmlDecode(match.Groups["token"].Value) : null;
    }

    /// <summary>The text of the element with <c>data-test="<paramref name="name"/>"</c>, or null.</summary>
    public static string? TestText(string html, string name)
    {
        ArgumentNullException.ThrowIfNull(html);
        var match = Regex.Match(html, $"data-test=\"{Regex.Escape(name)}\"[^>]*>(?<text>[^<]*)<");
        return match.Success ? WebUtility.HtmlDecode(match.Groups["text"].Value).Trim() : null;
    }

    public void Dispose() => _http.Dispose();

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"(?<token>[^\"]+)\"")]
    private static partial Regex TokenField();
}
