using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.DependencyInjection;
using OpenSag.Api.Actions;
using OpenSag.Api.Protocol;
using OpenSag.Api.Responses;
using OpenSag.Errors;
using OpenSag.Services;
using OpenSag.WebConsole.SignIn;

namespace OpenSag.WebConsole.Pages;

/// <summary>
/// What every signed-in page shares: the caller (the session's access key, the peer address, channel
/// <c>console</c>), changes run as the API's actions through <see cref="ActionInvoker"/> with post/redirect/get, and the
/// API's refusal (Code and Message) shown as the page's error.
/// </summary>
public abstract class ConsolePage : PageModel
{
    /// <summary>The success message of the change just made, shown once after the redirect.</summary>
    [TempData]
    public string? Flash { get; set; }

    /// <summary>The API's refusal of the change just tried (<c>Code: Message</c>), shown once after the redirect.</summary>
    [TempData]
    public string? Error { get; set; }

    /// <summary>A refusal of what this page was asked to show (e.g. no such instance), shown on this answer only.</summary>
    public string? Problem { get; protected set; }

    /// <summary>The signed-in access key id.</summary>
    public string AccessKeyId => ConsoleSession.AccessKeyId(User);

    /// <summary>Who makes the console's calls, for the audit log: like an API caller, on the console channel.</summary>
    protected Caller Caller => new(AccessKeyId, Caller.AddressText(HttpContext.Connection.RemoteIpAddress)) { Channel = Caller.ConsoleChannel };

    protected CancellationToken Aborted => HttpContext.RequestAborted;

    /// <summary>The API's error as people read it: its code, then its message.</summary>
    public static string Describe(ErrorDefinition error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return error.Code + ": " + error.Message;
    }

    /// <summary>
    /// Runs the catalogue action <paramref name="action"/> with <paramref name="parameters"/> (null or empty values left
    /// out, as a form's empty optional field means "not given"), then redirects to <paramref name="then"/> (a local path;
    /// default: this page's own URL), with <paramref name="success"/>'s message or the API's refusal to show there.
    /// </summary>
    protected async Task<IActionResult> ChangeAsync(string action, IReadOnlyDictionary<string, string?> parameters, Func<ResponseBody, string> success, string? then = null)
    {
        ArgumentNullException.ThrowIfNull(success);
        if (await TryInvokeAsync(action, parameters) is { } body)
        {
            Flash = success(body);
        }

        return LocalRedirect(then ?? Request.Path + Request.QueryString);
    }

    /// <summary>
    /// Runs the catalogue action <paramref name="action"/> as <see cref="Caller"/> and returns its answer; null when the
    /// API refused it, with the refusal in <see cref="Error"/>. Null or empty values are left out. The action is the
    /// Smartag API's or, failing that, OpenSAG's own (<see cref="OpenSagActions"/>, e.g. DisconnectSession): either way
    /// through its <see cref="ActionInvoker"/>, so a console change is validated and audited exactly as the API call.
    /// </summary>
    protected async Task<ResponseBody?> TryInvokeAsync(string action, IReadOnlyDictionary<string, string?> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var given = parameters.Where(p => !string.IsNullOrEmpty(p.Value)).ToDictionary(p => p.Key, p => p.Value!, StringComparer.Ordinal);
        try
        {
            var services = HttpContext.RequestServices;
            var invoker = services.GetRequiredService<ActionInvoker>();
            if (invoker.Actions.Find(action) is null)
            {
                invoker = services.GetRequiredKeyedService<ActionInvoker>(OpenSagActions.Path);
            }

            return await invoker.InvokeAsync(action, given, Caller, Aborted);
        }
        catch (ApiException e)
        {
            Error = Describe(e.Error);
            return null;
        }
    }

    /// <summary>A page that shows only <see cref="Problem"/>, with the status <paramref name="status"/>.</summary>
    protected PageResult Refuse(ErrorDefinition error, int? status = null)
    {
        ArgumentNullException.ThrowIfNull(error);
        Problem = Describe(error);
        HttpContext.Response.StatusCode = status ?? error.HttpStatus;
        return Page();
    }

    /// <summary>
    /// An <see cref="ApiException"/> a read let through becomes the page's problem, not a 500. A post naming no handler
    /// of the page is 404: Razor Pages would otherwise render the page without loading it (an empty 200).
    /// </summary>
    public override async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        if (context.HandlerMethod is null && !HttpMethods.IsGet(Request.Method) && !HttpMethods.IsHead(Request.Method))
        {
            context.Result = NotFound();
            return;
        }

        var executed = await next();
        if (executed.Exception is ApiException e && !executed.ExceptionHandled)
        {
            executed.ExceptionHandled = true;
            if (HttpMethods.IsGet(Request.Method))
            {
                executed.Result = Refuse(e.Error);
            }
            else
            {
                Error = Describe(e.Error);
                executed.Result = LocalRedirect(Request.Path + Request.QueryString);
            }
        }
    }

    /// <summary>The value of a response field (<see cref="ResponseBody"/>), as text.</summary>
    protected static string Field(ResponseBody body, string name) =>
        body?.FirstOrDefault(f => f.Key == name).Value?.ToString() ?? "";
}
