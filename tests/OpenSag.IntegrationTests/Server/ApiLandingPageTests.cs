using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.Server;

/// <summary>
/// A browser opening the API's address gets a page saying what answers there; every request an SDK or a script could
/// send to <c>/</c> keeps the cloud's answer (a call without Action is 400 MissingAction).
/// </summary>
[Collection(SharedConformanceServer.Name)]
public sealed class ApiLandingPageTests(ConformanceServerFixture fixture)
{
    private const string BrowserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

    [Fact]
    public async Task GetRoot_BrowserAcceptingHtml_PageNamingTheApiAndTheConsole()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(15) };
        using var request = new HttpRequestMessage(HttpMethod.Get, fixture.Server.Endpoint);
        request.Headers.TryAddWithoutValidation("Accept", BrowserAccept);

        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Smartag", body, StringComparison.Ordinal);
        Assert.Contains("2018-03-13", body, StringComparison.Ordinal);
        Assert.Contains($"<code>{fixture.Server.Endpoint}</code>", body, StringComparison.Ordinal);
        Assert.Contains("--console-listen", body, StringComparison.Ordinal);
    }

    /// <summary>What SDKs and scripts send: no Accept, JSON or XML, a query, an action header, another method.</summary>
    [Theory]
    [InlineData("GET", "/", null, null)]
    [InlineData("GET", "/", "application/json", null)]
    [InlineData("GET", "/", "*/*", null)]
    [InlineData("GET", "/", "application/xml", null)]
    [InlineData("GET", "/?Format=JSON", BrowserAccept, null)]
    [InlineData("GET", "/?Version=2018-03-13", BrowserAccept, null)]
    [InlineData("POST", "/", BrowserAccept, null)]
    [InlineData("GET", "/", BrowserAccept, "ACS3-HMAC-SHA256 Credential=x")]
    public async Task Root_AnyCallButABrowsersBareGet_CloudsMissingActionError(string method, string path, string? accept, string? authorization)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(15) };
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(fixture.Server.Endpoint, path));
        if (accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }

        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        if (method == "POST")
        {
            request.Content = new StringContent("", MediaTypeHeaderValue.Parse("application/x-www-form-urlencoded"));
        }

        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{method} {path} answered {(int)response.StatusCode}: {body}");
        using var document = JsonDocument.Parse(body);
        Assert.Equal("MissingAction", document.RootElement.GetProperty("Code").GetString());
        Assert.Equal("Action is mandatory for this action.", document.RootElement.GetProperty("Message").GetString());
    }
}
