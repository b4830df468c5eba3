using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.DependencyInjection;

namespace OpenSag.WebConsole.SignIn;

/// <summary>
/// A signed-in console session: a cookie sealed with the console's Data Protection keys, holding the access key id,
/// the session's id and the time of the sign-in. Each request re-checks that the session is still open on the server
/// (<see cref="OpenSessions"/>: signing out ends it there, so a copy of the cookie is worth nothing afterwards), that
/// the key is still enabled (so disabling a key ends its sessions within the key cache's few seconds) and that the
/// session is younger than <see cref="ConsoleOptions.AbsoluteLifetime"/> (sliding renewal alone would keep an active
/// session for ever).
/// </summary>
public static class ConsoleSession
{
    public const string Scheme = CookieAuthenticationDefaults.AuthenticationScheme;

    public const string CookieName = "opensag-console";

    private const string SignedInAtClaim = "opensag:signed-in-at";

    private const string SessionIdClaim = "opensag:session";

    /// <summary>
    /// The principal of session <paramref name="sessionId"/> (from <see cref="OpenSessions.Open"/>) just opened with
    /// <paramref name="accessKeyId"/> at <paramref name="now"/>.
    /// </summary>
    public static ClaimsPrincipal Create(string accessKeyId, string sessionId, DateTimeOffset now) =>
        new(new ClaimsIdentity(
            [
                new Claim(ClaimTypes.NameIdentifier, accessKeyId),
                new Claim(ClaimTypes.Name, accessKeyId),
                new Claim(SessionIdClaim, sessionId),
                new Claim(SignedInAtClaim, now.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)),
            ],
            Scheme));

    /// <summary>The access key id of a signed-in principal; empty when signed out.</summary>
    public static string AccessKeyId(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return user.FindFirstValue(ClaimTypes.NameIdentifier) ?? "";
    }

    /// <summary>The session id of a signed-in principal; empty when signed out.</summary>
    public static string SessionId(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return user.FindFirstValue(SessionIdClaim) ?? "";
    }

    /// <summary>The cookie handler's per-request check (<see cref="CookieAuthenticationEvents.OnValidatePrincipal"/>).</summary>
    public static async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var services = context.HttpContext.RequestServices;
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        var principal = context.Principal;
        var signedInAt = principal?.FindFirstValue(SignedInAtClaim) is { } text && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
            ? DateTimeOffset.FromUnixTimeMilliseconds(ms)
            : (DateTimeOffset?)null;
        var fresh = signedInAt is { } at && now - at < ConsoleOptions.AbsoluteLifetime && at - now < TimeSpan.FromMinutes(5);
        var sessions = services.GetRequiredService<OpenSessions>();
        if (principal is null || !fresh || !sessions.IsOpen(SessionId(principal), now)
            || !await services.GetRequiredService<AccessKeyCheck>().IsEnabledAsync(AccessKeyId(principal), context.HttpContext.RequestAborted))
        {
            if (principal is not null)
            {
                sessions.End(SessionId(principal));
            }

            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(Scheme);
        }
    }
}
