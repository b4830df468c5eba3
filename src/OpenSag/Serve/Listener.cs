using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace OpenSag.Cli.Serve;

/// <summary>The server's listeners. Each serves only its own endpoints: the admin API must never answer on
/// the client-facing gateway port, nor the gateway on the API port (issue 9 item 1), nor the console on either.</summary>
internal enum Listener
{
    Api,
    Gateway,

    /// <summary>The operators' web console (<c>--console-listen</c>), and <c>/metrics</c> unless <c>--metrics-listen</c> moves it.</summary>
    Console,

    /// <summary>Only <c>/metrics</c> (<c>--metrics-listen</c>).</summary>
    Metrics,
}

/// <summary>
/// Tags every connection with the listener that accepted it, and lets the request pipeline branch on that tag.
/// The tag is a connection feature set by a Kestrel connection middleware, so it holds for every request and
/// HTTP/2 stream of the connection, whatever the port (0 included) or scheme; Kestrel's request features fall
/// back to the connection's.
/// </summary>
internal static class ListenerRouting
{
    private static readonly ListenerFeature[] Tags = [.. Enum.GetValues<Listener>().Select(l => new ListenerFeature(l))];

    /// <summary>Adds the tagging middleware; call it before anything else on the listener.</summary>
    public static ListenOptions TagConnections(this ListenOptions listen, Listener listener)
    {
        var tag = Tags[(int)listener];
        listen.Use(next => connection =>
        {
            connection.Features.Set(tag);
            return next(connection);
        });
        return listen;
    }

    /// <summary>Whether <paramref name="http"/> came in on <paramref name="listener"/>; false for an untagged connection.</summary>
    public static bool CameThrough(this HttpContext http, Listener listener) =>
        http.Features.Get<ListenerFeature>()?.Listener == listener;

    private sealed record ListenerFeature(Listener Listener);
}
