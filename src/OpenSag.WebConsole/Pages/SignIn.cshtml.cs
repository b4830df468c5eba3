using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using OpenSag.Domain;
using OpenSag.Services;
using OpenSag.WebConsole.SignIn;

namespace OpenSag.WebConsole.Pages;

/// <summary>
/// <c>GET|POST /signin</c>: an access key pair opens a console session. Any wrong pair gets the one refusal
/// <see cref="WrongKey"/> (never which half was wrong, nor whether the key exists or is disabled); failures are
/// limited per source address (<see cref="SignInThrottle"/>), then answered 429 with Retry-After.
/// </summary>
public sealed class SignInModel(AccessKeyCheck keys, SignInThrottle throttle, OpenSessions sessions, AuditLog audit, TimeProvider time) : PageModel
{
    public const string WrongKey = "The access key ID or secret is wrong.";

    /// <summary>The audit log's action names of the console's own events (not catalogue actions).</summary>
    public const string SignInAction = "ConsoleSignIn";

    /// <summary>The outcome recorded for a refused sign-in.</summary>
    public const string RefusedOutcome = "SignInRefused";

    /// <summary>Longest typed access key id the audit log records; a longer one is cut (it names no key anyway).</summary>
    private const int RecordedIdLength = 64;

    [BindProperty]
    public string? AccessKeyId { get; set; }

    [BindProperty]
    public string? AccessKeySecret { get; set; }

    /// <summary>Why the last attempt was refused; null on a fresh form.</summary>
    public string? Refusal { get; private set; }

    public IActionResult OnGet() =>
        User.Identity?.IsAuthenticated == true ? LocalRedirect("/instances") : Page();

    public async Task<IActionResult> OnPostAsync()
    {
        var address = HttpContext.Connection.RemoteIpAddress ?? IPAddress.None;
        var id = AccessKeyId?.Trim() ?? "";
        var secret = AccessKeySecret ?? "";
        var (accepted, retryAfter) = await throttle.AttemptAsync(address, () => keys.IsValidAsync(id, secret, HttpContext.RequestAborted), HttpContext.RequestAborted);
        AccessKeySecret = "";
        if (accepted is null)
        {
            Refusal = $"Too many failed sign-ins from {address}; try again in {Math.Ceiling(retryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture)} seconds.";
            Response.StatusCode = StatusCodes.Status429TooManyRequests;
            Response.Headers.RetryAfter = Math.Ceiling(retryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
            return Page();
        }

        // The typed id is recorded as typed (cut, and with what no store holds replaced): who tried which key, from where.
        var caller = new Caller(PortableText.Portable(id.Length > RecordedIdLength ? id[..RecordedIdLength] : id), Caller.AddressText(address)) { Channel = Caller.ConsoleChannel };
        await audit.RecordAsync(caller, SignInAction, "", "", "", accepted == true ? AuditEntry.Success : RefusedOutcome, "", CancellationToken.None);
        if (accepted == false)
        {
            Refusal = WrongKey;
            Response.StatusCode = StatusCodes.Status401Unauthorized;
            return Page();
        }

        // A sign-in over an open session replaces it: the old one ends here rather than lingering until it expires.
        if (ConsoleSession.SessionId(User) is { Length: > 0 } previous)
        {
            sessions.End(previous);
        }

        var now = time.GetUtcNow();
        await HttpContext.SignInAsync(ConsoleSession.Scheme, ConsoleSession.Create(id, sessions.Open(now), now), new AuthenticationProperties { IsPersistent = false });
        return LocalRedirect("/instances");
    }
}
