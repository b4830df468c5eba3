using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using OpenSag.Domain;
using OpenSag.Services;
using OpenSag.WebConsole.SignIn;

namespace OpenSag.WebConsole.Pages;

/// <summary>
/// <c>POST /signout</c> ends the session on the server (<see cref="OpenSessions"/>), so a copy of its cookie opens
/// nothing afterwards, then clears the cookie (GET shows a button for it: signing out is a change, so a form).
/// </summary>
public sealed class SignOutModel(OpenSessions sessions, AuditLog audit) : PageModel
{
    public const string SignOutAction = "ConsoleSignOut";

    public async Task<IActionResult> OnPostAsync()
    {
        var caller = new Caller(ConsoleSession.AccessKeyId(User), Caller.AddressText(HttpContext.Connection.RemoteIpAddress)) { Channel = Caller.ConsoleChannel };
        sessions.End(ConsoleSession.SessionId(User));
        await HttpContext.SignOutAsync(ConsoleSession.Scheme);
        await audit.RecordAsync(caller, SignOutAction, "", "", "", AuditEntry.Success, "", CancellationToken.None);
        return LocalRedirect("/signin");
    }
}
