using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace OpenSag.Cli.Serve;

/// <summary>The server's two listeners. Each serves only its own endpoints: the admin API must never answer on
/// the client-facing gateway port, nor the gateway on the API port (issue 9 item 1).</summary>
internal enum Listener
{
    Api,
    Gateway,
}

/// <summary>
/// Tags every connection with the listener that accepted it, and lets the request pipeline branch on that tag.
/// The tag is a connection feature set by a Kestrel connection middleware, so it holds for every request and
/// HTTP/2 stream of the connection, whatever the port (0 included) or scheme; Kestrel's request features fall
/// back to the connection's.
/// </summary>
internal static class ListenerRouting
{
    private static readonly ListenerFeature ApiTag = new(Listener.Api);
    private static readonly ListenerFeature GatewayTag = new(Listener.Gateway);

    /// <summary>Adds the tagging middleware; call it before anything else on the listener.</summary>
    public static ListenOptions TagConnections(this ListenOptions listen, Listener listener)
    {
        var tag = listener == Listener.Api ? ApiTag : GatewayTag;
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
