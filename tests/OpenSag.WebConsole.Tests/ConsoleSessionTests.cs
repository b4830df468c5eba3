using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OpenSag.Domain;
using OpenSag.Storage;
using OpenSag.WebConsole.SignIn;

namespace OpenSag.WebConsole.Tests;

/// <summary>The per-request check of a console session: still open on the server, absolute lifetime, and the key still enabled.</summary>
public sealed class ConsoleSessionTests : IDisposable
{
    private static readonly DateTimeOffset SignedIn = new(2026, 11, 30, 8, 0, 0, TimeSpan.Zero);

    private readonly string _folder = Directory.CreateTempSubdirectory("opensag-console-session-").FullName;
    private readonly OpenSessions _sessions;

    public ConsoleSessionTests() =>
        _sessions = new OpenSessions(new ConsoleOptions(Path.Combine(_folder, "keys"), Tls: false, Path.Combine(_folder, "console-sessions")));

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Theory]
    [InlineData(0)]
    [InlineData(60)]
    [InlineData((12 * 60) - 1)]
    public async Task Validate_YoungerThanTwelveHoursAndKeyEnabled_Kept(int minutes)
    {
        var (context, signedOut) = Context(SignedIn.AddMinutes(minutes), enabled: true);

        await ConsoleSession.ValidateAsync(context);

        Assert.NotNull(context.Principal);
        Assert.False(signedOut.Called);
    }

    [Theory]
    [InlineData(12 * 60)]
    [InlineData(7 * 24 * 60)]
    public async Task Validate_TwelveHoursAfterSignIn_RejectedAndSignedOut(int minutes)
    {
        var (context, signedOut) = Context(SignedIn.AddMinutes(minutes), enabled: true);

        await ConsoleSession.ValidateAsync(context);

        Assert.Null(context.Principal);
        Assert.True(signedOut.Called);
    }

    [Fact]
    public async Task Validate_KeyDisabledSinceSignIn_RejectedAndSignedOut()
    {
        var (context, signedOut) = Context(SignedIn.AddMinutes(1), enabled: false);

        await ConsoleSession.ValidateAsync(context);

        Assert.Null(context.Principal);
        Assert.True(signedOut.Called);
    }

    [Fact]
    public async Task Validate_SessionEndedOnTheServer_RejectedAndSignedOut()
    {
        var (context, signedOut) = Context(SignedIn.AddMinutes(1), enabled: true);
        _sessions.End(ConsoleSession.SessionId(context.Principal!));

        await ConsoleSession.ValidateAsync(context);

        Assert.Null(context.Principal);
        Assert.True(signedOut.Called);
    }

    [Fact]
    public void Options_IdleAndAbsolute_ThirtyMinutesAndTwelveHours()
    {
        Assert.Equal(TimeSpan.FromMinutes(30), ConsoleOptions.IdleTimeout);
        Assert.Equal(TimeSpan.FromHours(12), ConsoleOptions.AbsoluteLifetime);
    }

    private (CookieValidatePrincipalContext Context, SignOutRecorder SignedOut) Context(DateTimeOffset now, bool enabled)
    {
        var signedOut = new SignOutRecorder();
        var services = new ServiceCollection()
            .AddSingleton<TimeProvider>(new ManualClock(now))
            .AddSingleton<IAccessKeyStore>(new Keys(new AccessKey("LTAIsession", "secret", enabled, SignedIn)))
            .AddSingleton<AccessKeyCheck>()
            .AddSingleton(_sessions)
            .AddSingleton<IAuthenticationService>(signedOut)
            .BuildServiceProvider();
        var http = new DefaultHttpContext { RequestServices = services };
        var ticket = new AuthenticationTicket(ConsoleSession.Create("LTAIsession", _sessions.Open(SignedIn), SignedIn), ConsoleSession.Scheme);
        var scheme = new AuthenticationScheme(ConsoleSession.Scheme, null, typeof(CookieAuthenticationHandler));
        return (new CookieValidatePrincipalContext(http, scheme, new CookieAuthenticationOptions(), ticket), signedOut);
    }

    private sealed class SignOutRecorder : IAuthenticationService
    {
        public bool Called { get; private set; }

        public Task SignOutAsync(HttpContext context, string? scheme, AuthenticationProperties? properties)
        {
            Called = true;
            return Task.CompletedTask;
        }

        public Task<AuthenticateResult> AuthenticateAsync(HttpContext context, string? scheme) => throw new NotSupportedException();

        public Task ChallengeAsync(HttpContext context, string? scheme, AuthenticationProperties? properties) => throw new NotSupportedException();

        public Task ForbidAsync(HttpContext context, string? scheme, AuthenticationProperties? properties) => throw new NotSupportedException();

        public Task SignInAsync(HttpContext context, string? scheme, System.Security.Claims.ClaimsPrincipal principal, AuthenticationProperties? properties) =>
            throw new NotSupportedException();
    }
}
