using Microsoft.AspNetCore.Http;

namespace OpenSag.WebConsole;

/// <summary>The console's one style sheet, embedded in this assembly (no files on disk, no CDN).</summary>
public static class Stylesheet
{
    public const string Path = "/console.css";

    private static readonly byte[] Content = Load();

    public static Task Serve(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        http.Response.ContentType = "text/css; charset=utf-8";
        // Not secret and changes only with a new build; an hour saves a request per page.
        http.Response.Headers.CacheControl = "public, max-age=3600";
        return http.Response.Body.WriteAsync(Content).AsTask();
    }

    private static byte[] Load()
    {
        using var stream = typeof(Stylesheet).Assembly.GetManifestResourceStream("console.css")
            ?? throw new InvalidOperationException("console.css is not embedded in " + typeof(Stylesheet).Assembly.GetName().Name);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
