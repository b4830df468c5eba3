using System.Net;
using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.WebConsole;

/// <summary>Signing in to the web console with an access key (issue 13 item 1): the cookie, the refusals, the rate limit.</summary>
public sealed class ConsoleSignInTests
{
    private const string WrongKey = "The access key ID or secret is wrong.";

    [Fact]
    public async Task SignIn_RootAccessKey_SessionCookieOpensThePages()
    {
        await using var server = await OpenSagServer.StartWithRandomKeysAsync();
        using var console = new ConsoleClient(server.ConsoleEndpoint!);

        using (var before = await console.GetAsync("/instances"))
        {
            Assert.Equal(HttpStatusCode.Redirect, before.StatusCode);
            Assert.Equal("/signin", before.Headers.Location?.OriginalString);
        }

        await console.SignInAsync(server);
        var page = await console.PageAsync("/instances");

        Assert.Contains("data-test=\"instances-table\"", page, StringComparison.Ordinal);
        Assert.Contains(server.AccessKeyId, page, StringComparison.Ordinal);
        Assert.DoesNotContain(server.AccessKeySecret, page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignIn_WrongSecretOrUnknownKeyOrEmpty_OneGenericRefusalAndNoSession()
    {
        await using var server = await OpenSagServer.StartWithRandomKeysAsync();
        using var console = new ConsoleClient(server.ConsoleEndpoint!);

        foreach (var (id, secret) in new[] { (server.AccessKeyId, server.AccessKeySecret + "x"), ("LTAInoSuchKey0000000000", server.AccessKeySecret), (server.AccessKeyId, " ") })
        {
            using var refused = await console.TrySignInAsync(id, secret);
            var body = await refused.Content.ReadAsStringAsync();

            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.Equal(WrongKey, ConsoleClient.TestText(body, "signin-error"));
            Assert.DoesNotContain(secret.Trim().Length > 0 ? secret : "\u0001", body, StringComparison.Ordinal);
        }

        Assert.DoesNotContain(console.Cookies.GetAllCookies(), c => c.Name == "opensag-console");
        using var after = await console.GetAsync("/instances");
        Assert.Equal(HttpStatusCode.Redirect, after.StatusCode);
    }

    [Fact]
    public async Task SignIn_FiveFailuresFromOneAddress_ThenRefused429WithRetryAfterEvenForTheRightKey()
    {
        await using var server = await OpenSagServer.StartWithRandomKeysAsync();
        using var console = new ConsoleClient(server.ConsoleEndpoint!);

        for (var i = 0; i < 5; i++)
        {
            using var wrong = await console.TrySignInAsync(server.AccessKeyId, "wrong-" + i);
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        using var limited = await console.TrySignInAsync(server.AccessKeyId, server.AccessKeySecret);
        var body = await limited.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        var retryAfter = limited.Headers.RetryAfter?.Delta;
        Assert.True(retryAfter is { TotalSeconds: > 0 and <= 60 }, $"Retry-After: {limited.Headers.RetryAfter}");
        Assert.Contains("Too many failed sign-ins", ConsoleClient.TestText(body, "signin-error"), StringComparison.Ordinal);
        Assert.DoesNotContain(console.Cookies.GetAllCookies(), c => c.Name == "opensag-console");
    }

    [Fact]
    public async Task SignIn_SuccessfulSignIns_DoNotCountTowardsTheLimit()
    {
        await using var server = await OpenSagServer.StartWithRandomKeysAsync();

        for (var i = 0; i < 8; i++)
        {
            using var console = new ConsoleClient(server.ConsoleEndpoint!);
            await console.SignInAsync(server);
        }
    }

    [Fact]
    public async Task SignIn_OverHttp_CookieHttpOnlySameSiteStrictAndSessionOnly()
    {
        await using var server = await OpenSagServer.StartWithRandomKeysAsync();
        using var console = new ConsoleClient(server.ConsoleEndpoint!);

        using var response = await console.TrySignInAsync(server.AccessKeyId, server.AccessKeySecret);

        var header = Assert.Single(response.Headers.GetValues("Set-Cookie"), h => h.StartsWith("opensag-console=", StringComparison.Ordinal));
        var attributes = header.Split(';', StringSplitOptions.TrimEntries).Skip(1).Select(a => a.ToLowerInvariant()).ToList();
        Assert.Contains("httponly", attributes);
        Assert.Contains("samesite=strict", attributes);
        Assert.Contains("path=/", attributes);
        // A session cookie: the browser forgets it when it closes; the server's ticket expires by itself too.
        Assert.DoesNotContain(attributes, a => a.StartsWith("expires=", StringComparison.Ordinal) || a.StartsWith("max-age=", StringComparison.Ordinal));
        Assert.DoesNotContain("secure", attributes);
    }

    [Fact]
    public async Task SignOut_Posted_EndsTheSession()
    {
        await using var server = await OpenSagServer.StartWithRandomKeysAsync();
        using var console = new ConsoleClient(server.ConsoleEndpoint!);
        await console.SignInAsync(server);

        using var signedOut = await console.PostFormAsync("/instances", "/signout", new Dictionary<string, string>());

        Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);
        Assert.Equal("/signin", signedOut.Headers.Location?.OriginalString);
        using var after = await console.GetAsync("/instances");
        Assert.Equal(HttpStatusCode.Redirect, after.StatusCode);
        Assert.Equal("/signin", after.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task SignOut_CopyOfTheSessionCookieSentAfterwards_RedirectsToSignIn()
    {
        await using var server = await OpenSagServer.StartWithRandomKeysAsync();
        using var console = new ConsoleClient(server.ConsoleEndpoint!);
        await console.SignInAsync(server);
        using var copy = new ConsoleClient(server.ConsoleEndpoint!);
        copy.Cookies.Add(console.Cookies.GetAllCookies());
        Assert.Contains("data-test=\"instances-table\"", await copy.PageAsync("/instances"), StringComparison.Ordinal);

        using var signedOut = await console.PostFormAsync("/instances", "/signout", new Dictionary<string, string>());

        Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);
        // The copy still holds the cookie the sign-out cleared in the first client: the server must refuse it.
        Assert.Contains(copy.Cookies.GetAllCookies(), c => c.Name == "opensag-console");
        using var after = await copy.GetAsync("/instances");
        Assert.Equal(HttpStatusCode.Redirect, after.StatusCode);
        Assert.Equal("/signin", after.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task Session_ServerRestarted_StillSignedIn()
    {
        await using var server = await OpenSagServer.StartWithRandomKeysAsync();
        using var console = new ConsoleClient(server.ConsoleEndpoint!);
        await console.SignInAsync(server);

        await server.RestartAsync();
        // A new run listens on a new port; cookies belong to the host, not the port.
        using var again = new ConsoleClient(server.ConsoleEndpoint!);
        again.Cookies.Add(console.Cookies.GetAllCookies());

        Assert.Contains("data-test=\"instances-table\"", await again.PageAsync("/instances"), StringComparison.Ordinal);
    }
}
