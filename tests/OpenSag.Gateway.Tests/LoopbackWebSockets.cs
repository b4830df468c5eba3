using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace OpenSag.Gateway.Tests;

/// <summary>
/// A WebSocket pair over a real loopback TCP connection, for driving an endpoint without Kestrel: the server end is
/// handed to the endpoint as an accepted WebSocket (<see cref="Accepted"/>), the client end plays the client.
/// </summary>
internal static class LoopbackWebSockets
{
    /// <summary>A connected pair, neither side sending keepalive pings.</summary>
    public static async Task<(WebSocket Server, WebSocket Client)> PairAsync(TimeSpan timeout)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var accepting = listener.AcceptTcpClientAsync();
        var connecting = new TcpClient();
        await connecting.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port).WaitAsync(timeout);
        var accepted = await accepting.WaitAsync(timeout);
        return (WebSocket.CreateFromStream(accepted.GetStream(), new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero }),
            WebSocket.CreateFromStream(connecting.GetStream(), new WebSocketCreationOptions { IsServer = false, KeepAliveInterval = TimeSpan.Zero }));
    }

    /// <summary>A request whose WebSocket upgrade yields <paramref name="socket"/>.</summary>
    public sealed class Accepted(WebSocket socket) : IHttpWebSocketFeature
    {
        public bool IsWebSocketRequest => true;

        public Task<WebSocket> AcceptAsync(WebSocketAcceptContext context) => Task.FromResult(socket);
    }
}
