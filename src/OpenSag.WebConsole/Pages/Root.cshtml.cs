using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace OpenSag.WebConsole.Pages;

/// <summary><c>GET /</c>: the instances are the console's home.</summary>
public sealed class RootModel : PageModel
{
    public IActionResult OnGet() => LocalRedirect("/instances");
}
