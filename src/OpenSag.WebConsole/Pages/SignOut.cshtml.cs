using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using OpenSag.WebConsole.SignIn;

namespace OpenSag.WebConsole.Pages;

/// <summary><c>POST /signout</c> ends the session (GET shows a button for it: signing out is a change, so a form).</summary>
public sealed class SignOutModel : PageModel
{
    public async Task<IActionResult> OnPostAsync()
    {
        await HttpContext.SignOutAsync(ConsoleSession.Scheme);
        return LocalRedirect("/signin");
    }
}
