using System.Net;
using OpenSag.Client;
using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.WebConsole;

/// <summary>
/// Nothing of the console is reachable signed out, no change without the anti-forgery token, the headers that keep
/// pages out of frames, caches and referrers, and the console on its own listener only (issue 13 item 1).
/// </summary>
public sealed class ConsoleAccessTests
{
    private static readonly string[] Pages =
    [
        "/", "/instances", "/instances/sag-nosuchinstance0000000", "/instances/sag-nosuchinstance0000000/users?search=a&page=2",
        "/instances/sag-nosuchinstance0000000/sessions", "/instances/sag-nosuchinstance0000000/traffic?month=202611", "/audit?page=2",
        "/signout",
    ];

    [Fact]
    public async Task SignedOut_EveryPage_RedirectedToSignIn()
    {
        await using var server = await OpenSagServer.StartWithRandomKeysAsync();
        using var console = new ConsoleClient(server.ConsoleEndpoint!);

        foreach (var path in Pages)
        {
            using var response = await console.GetAsync(path);
            Assert.True(response.StatusCode == HttpStatusCode.Redirect && response.Headers.Location?.OriginalString == "/signin",
                $"GET {path} signed out answered {(int)response.StatusCode} {response.Headers.Location}");
        }

        // The sign-in page and its style sheet are all there is.
        Assert.Contains("data-test=\"signin-form\"", await console.PageAsync("/signin"), StringComparison.Ordinal);
        Assert.Contains("font", await console.PageAsync("/console.css"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignedOut_PostWithAValidToken_RedirectedToSignInAndNothingCreated()
    {
        await using var server = await OpenSagServer.StartWithRandomKeysAsync();
        using var console = new ConsoleClient(server.ConsoleEndpoint!);

        using var response = await console.PostFormAsync("/signin", "/instances?handler=create", CreateInstance);

        Assert.True(response.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.BadRequest, $"answered {(int)response.StatusCode}");
        await console.SignInAsync(server);
        Assert.DoesNotContain("data-test=\"instance-row\"", await console.PageAsync("/instances"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignedIn_PostWithoutAntiforgeryToken_Refused400AndNothingCreated()
    {
        await using var server = await OpenSagServer.StartWithRandomKeysAsync();
        using var console = new ConsoleClient(server.ConsoleEndpoint!);
        await console.SignInAsync(server);

        using var withoutToken = await console.PostAsync("/instances?handler=create", CreateInstance);
        using var forgedToken = await console.PostAsync("/instances?handler=create", new Dictionary<string, string>(CreateInstance) { ["__RequestVerificationToken"] = "CfDJ8forged" });
        using var signOutWithoutToken = await console.PostAsync("/signout", new Dictionary<string, string>());

        Assert.Equal(HttpStatusCode.BadRequest, withoutToken.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, forgedToken.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, signOutWithoutToken.StatusCode);
        Assert.DoesNotContain("data-test=\"instance-row\"", await console.PageAsync("/instances"), StringComparison.Ordinal);

        // The same form with its token works: the refusal above was the token's.
        using var withToken = await console.PostFormAsync("/instances", "/instances?handler=create", CreateInstance);
        Assert.Equal(HttpStatusCode.Redirect, withToken.StatusCode);
        Assert.Contains("data-test=\"instance-row\"", await console.PageAsync("/instances"), StringComparison.Ordinal);
    }

    /// <summary>A post (token and all) that names no handler of the page: Razor Pages rendered it unloaded, an empty 200.</summary>
    [Fact]
    public async Task SignedIn_PostNamingNoHandler_NotFound()
    {
        await using var server = await OpenSagServer.StartWithRandomKeysAsync();
        using var console = new ConsoleClient(server.ConsoleEndpoint!);
        await console.SignInAsync(server);
        var id = await ConsoleInstancePagesTests.CreateInstanceAsync(console, "Handlers", "10.83.0.0/24");

        foreach (var action in new[] { $"/instances/{id}/sessions", $"/instances/{id}/users?handler=nosuch", $"/instances/{id}/traffic", "/audit", "/instances?handler=nosuch" })
        {
            using var response = await console.PostFormAsync("/instances", action, new Dictionary<string, string>());
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"POST {action} answered {(int)response.StatusCode}");
        }

        // The page's own handlers still run.
        using var created = await console.PostFormAsync("/instances", "/instances?handler=create", CreateInstance);
        Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
    }

    [Fact]
    public async Task SignInPage_SecurityHeaders_NoScriptNoFramesNoReferrerNoStore()
    {
        await using var server = await OpenSagServer.StartWithRandomKeysAsync();
        using var console = new ConsoleClient(server.ConsoleEndpoint!);
        await console.SignInAsync(server);

        foreach (var path in new[] { "/signin", "/instances" })
        {
            using var response = await console.GetAsync(path);
            var csp = string.Join(' ', response.Headers.GetValues("Content-Security-Policy"));
            Assert.Contains("default-src 'none'", csp, StringComparison.Ordinal);
            Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
            Assert.DoesNotContain("script-src", csp, StringComparison.Ordinal);
            Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
            Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
            Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
            Assert.True(response.Headers.CacheControl?.NoStore, $"{path}: Cache-Control {response.Headers.CacheControl}");
            Assert.DoesNotContain("<script", await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task ConsolePort_ApiAndGatewayRequests_NeitherAnswered()
    {
        await using var server = await OpenSagServer.StartWithRandomKeysAsync();
        using var rpc = new SignedRpcClient(server);
        using var console = new ConsoleClient(server.ConsoleEndpoint!);
        await console.SignInAsync(server);
        var signed = "/?" + rpc.SignedQuery("DescribeRegions", new Dictionary<string, string>());

        foreach (var path in new[] { signed, "/healthz", "/v1/control", "/v1/tunnel" })
        {
            using var response = await console.GetAsync(path);
            var body = await response.Content.ReadAsStringAsync();
            Assert.DoesNotContain("RequestId", body, StringComparison.Ordinal);
            Assert.DoesNotContain("Regions", body, StringComparison.Ordinal);
            Assert.True(response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Redirect, $"GET {path[..Math.Min(40, path.Length)]} on the console answered {(int)response.StatusCode}");
        }
    }

    [Fact]
    public async Task ApiAndGatewayPorts_ConsolePages_EmptyNotFound()
    {
        await using var server = await OpenSagServer.StartWithRandomKeysAsync();
        using var api = new HttpClient { Timeout = ConsoleClient.RequestTimeout };
        using var gateway = new HttpClient(GatewayTrust.CreateHandler(server.GatewayCertificatePath)) { Timeout = ConsoleClient.RequestTimeout };

        foreach (var root in new[] { server.Endpoint, new Uri("https://" + server.GatewayAddress) })
        {
            foreach (var path in new[] { "/signin", "/instances", "/audit", "/console.css" })
            {
                using var response = await (root == server.Endpoint ? api : gateway).GetAsync(new Uri(root, path));
                var body = await response.Content.ReadAsStringAsync();
                Assert.True(response.StatusCode == HttpStatusCode.NotFound && body.Length == 0, $"GET {root}{path} answered {(int)response.StatusCode}: {body}");
            }

            using var post = await (root == server.Endpoint ? api : gateway).PostAsync(new Uri(root, "/signin"),
                new FormUrlEncodedContent(new Dictionary<string, string> { ["AccessKeyId"] = server.AccessKeyId, ["AccessKeySecret"] = server.AccessKeySecret }));
            Assert.Equal(HttpStatusCode.NotFound, post.StatusCode);
            Assert.False(post.Headers.Contains("Set-Cookie"), $"POST /signin on {root} set a cookie");
        }
    }

    private static readonly Dictionary<string, string> CreateInstance = new()
    {
        ["RegionId"] = "cn-shanghai",
        ["UserCount"] = "5",
        ["DataPlan"] = "5",
        ["Period"] = "1",
    };
}
