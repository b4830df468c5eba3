using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using OpenSag.Errors;

namespace OpenSag.WebConsole;

/// <summary>
/// What escapes a page (a bug, or the database out of reach) becomes a short page without a stack trace: 503 when the
/// store is unavailable (DESIGN.md §5: retry later), 500 otherwise, logged once.
/// </summary>
public sealed class ConsoleErrors(RequestDelegate next, ILogger<ConsoleErrors> logger)
{
    public async Task InvokeAsync(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        try
        {
            await next(http);
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            // The browser went away; there is nobody to answer.
        }
        catch (Exception e) when (!http.Response.HasStarted)
        {
            var unavailable = StoreUnavailable.IsCause(e);
            if (unavailable)
            {
                logger.LogWarning("Console request {Path} refused, the database is unreachable: {Message}", http.Request.Path.Value, e.Message);
            }
            else
            {
                logger.LogError(e, "Console request {Path} failed", http.Request.Path.Value);
            }

            http.Response.Clear();
            http.Response.StatusCode = unavailable ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status500InternalServerError;
            http.Response.ContentType = "text/plain; charset=utf-8";
            await http.Response.WriteAsync(unavailable
                ? "The database is out of reach; try again in a moment."
                : "The console failed to answer this request; the server's log has the details.");
        }
    }
}
