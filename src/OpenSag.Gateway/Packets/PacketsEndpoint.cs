using System.Buffers;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using OpenSag.Gateway.Protocol;
using OpenSag.Gateway.Sessions;

namespace OpenSag.Gateway.Packets;

/// <summary>
/// <see cref="GatewayPaths.Packets"/>: a session's layer-3 data channel over its TLS connection when UDP does not get
/// through. A WebSocket (RFC 6455) over HTTP/1.1 on a connection of its own (so the gateway's connection caps count it
/// as they count a tunnel), opened with the session's token as a tunnel is; one IP packet per binary message each way,
/// through the same checks as a datagram's. One per session: a new one replaces the one before. A refusal is an HTTP
/// status with a one-line reason header, and the session stays up.
/// </summary>
public sealed class PacketsEndpoint(SessionBearer bearer, PacketForwarder forwarder, ILogger<PacketsEndpoint> logger)
{
    /// <summary>The largest IPv4 packet; a longer message is not one packet, and ends the link.</summary>
    private const int MaxPacket = 65_535;

    public async Task HandleAsync(HttpContext http)
    {
        if (!http.WebSockets.IsWebSocketRequest)
        {
            await RefuseAsync(http, StatusCodes.Status400BadRequest, "the packet channel is a WebSocket");
            return;
        }

        if (!HttpProtocol.IsHttp11(http.Request.Protocol))
        {
            await RefuseAsync(http, StatusCodes.Status400BadRequest, "the packet channel is a WebSocket over HTTP/1.1");
            return;
        }

        var session = bearer.Authenticate(http.Request.Headers[TunnelHeaders.Authorization].ToString());
        if (session is null)
        {
            await RefuseAsync(http, StatusCodes.Status401Unauthorized, "the session is not online on this gateway");
            return;
        }

        if (session.Packets is not { } peer)
        {
            await RefuseAsync(http, StatusCodes.Status409Conflict, "the session has no data channel (log in with tun)");
            return;
        }

        using var socket = await http.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { KeepAliveInterval = TimeSpan.Zero });
        var link = new PacketFallbackLink(socket);
        if (!peer.TryAttach(link))
        {
            socket.Abort();
            return;
        }

        logger.LogInformation("Session {SessionId}: packets now ride its TLS connection", session.Info.SessionId);
        var sending = link.RunSenderAsync(session.Closed);
        var buffer = ArrayPool<byte>.Shared.Rent(MaxPacket);
        try
        {
            await ReceiveAsync(socket, peer, buffer, session.Closed);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            // The client or the session went away.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            peer.Detach(link);
            link.Abort();
            await sending;
        }
    }

    private async Task ReceiveAsync(WebSocket socket, PacketPeer peer, byte[] buffer, CancellationToken cancellationToken)
    {
        while (true)
        {
            var length = 0;
            ValueWebSocketReceiveResult result;
            do
            {
                if (length == buffer.Length)
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.MessageTooBig, "one IP packet per message", cancellationToken);
                    return;
                }

                result = await socket.ReceiveAsync(buffer.AsMemory(length), cancellationToken);
                length += result.Count;
            }
            while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);

            if (result.MessageType == WebSocketMessageType.Close)
            {
                return;
            }

            if (result.MessageType == WebSocketMessageType.Binary)
            {
                forwarder.FromFallback(peer, buffer.AsSpan(0, length));
            }
        }
    }

    private static async Task RefuseAsync(HttpContext http, int status, string reason)
    {
        http.Response.StatusCode = status;
        http.Response.Headers[TunnelHeaders.Refusal] = reason;
        await http.Response.WriteAsync(reason, http.RequestAborted);
    }
}
