using System.Buffers;
using System.Net.Sockets;
using System.Net.WebSockets;

namespace OpenSag.Gateway.Tunnels;

/// <summary>
/// Moves bytes both ways between a tunnel WebSocket (binary frames) and a TCP socket, keeping TCP half-close:
/// a WebSocket close from the peer shuts down the socket's send side, and the socket's end of stream becomes a
/// WebSocket close, while the other direction keeps flowing until it ends too. A close with any status but normal
/// closure (1000) or none (1005) is not a half-close: the peer ended the stream (the gateway's ACL sends 1008 with a
/// reason, <c>WatchedTunnel.EndAsync</c>), so both directions stop at once and the caller reads the reason off
/// <see cref="WebSocket.CloseStatusDescription"/>. Used by the gateway (with shaping and counting) and by the client
/// app (without).
/// </summary>
public static class WebSocketRelay
{
    /// <summary>
    /// Chunk size when nothing throttles the relay (client side; gateway with shaping off). Each chunk costs one
    /// WebSocket frame (header, masking pass) and one socket call, so the per-chunk
    /// overhead is paid four times less often than with 16 KiB; 64 KiB is also what a loopback or LAN socket read
    /// typically returns at once under load. Shaped relays use the bucket's chunk instead (UserBandwidth.MaxChunk).
    /// </summary>
    public const int UnshapedChunkBytes = 64 * 1024;

    /// <summary>Throttles and counts one direction; <paramref name="bytes"/> is about to be sent.</summary>
    public delegate ValueTask ChunkHook(int bytes, CancellationToken cancellationToken);

    public static async Task RunAsync(WebSocket webSocket, Socket socket, ChunkHook? fromWebSocket, ChunkHook? fromSocket, int chunkBytes, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var toSocket = PumpWebSocketToSocketAsync(webSocket, socket, fromWebSocket, chunkBytes, linked.Token);
        var toWebSocket = PumpSocketToWebSocketAsync(socket, webSocket, fromSocket, chunkBytes, linked.Token);
        try
        {
            // If either direction fails (reset, abort), the other cannot finish cleanly: stop both.
            var first = await Task.WhenAny(toSocket, toWebSocket);
            if (first.IsFaulted || first.IsCanceled || EndedByPeer(webSocket))
            {
                await linked.CancelAsync();
            }

            await Task.WhenAll(toSocket, toWebSocket);
        }
        catch (Exception e) when (e is WebSocketException or SocketException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            // A relay ends however its peers end; the session's close path reports why.
        }
        finally
        {
            webSocket.Abort();
            socket.Dispose();
        }
    }

    /// <summary>Whether the peer's close ended the whole stream rather than half-closed it (see the class summary).</summary>
    public static bool EndedByPeer(WebSocket webSocket)
    {
        ArgumentNullException.ThrowIfNull(webSocket);
        return webSocket.CloseStatus is { } status && status is not (WebSocketCloseStatus.NormalClosure or WebSocketCloseStatus.Empty);
    }

    private static async Task PumpWebSocketToSocketAsync(WebSocket webSocket, Socket socket, ChunkHook? hook, int chunkBytes, CancellationToken cancellationToken)
    {
        byte[]? buffer = null;
        try
        {
            while (true)
            {
                if (buffer is null)
                {
                    // A zero-byte receive waits for the next frame without a buffer (ManagedWebSocket passes it down
                    // as a zero-byte read), so an idle stream holds none; see ReleaseWhenDrained.
                    if ((await webSocket.ReceiveAsync(Memory<byte>.Empty, cancellationToken)).MessageType == WebSocketMessageType.Close)
                    {
                        socket.Shutdown(SocketShutdown.Send);
                        return;
                    }

                    buffer = ArrayPool<byte>.Shared.Rent(chunkBytes);
                }

                var result = await webSocket.ReceiveAsync(buffer.AsMemory(0, chunkBytes), cancellationToken);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    socket.Shutdown(SocketShutdown.Send);
                    return;
                }

                if (hook is not null)
                {
                    await hook(result.Count, cancellationToken);
                }

                await socket.SendAsync(buffer.AsMemory(0, result.Count), SocketFlags.None, cancellationToken);
                buffer = ReleaseWhenDrained(buffer, result.Count, chunkBytes);
            }
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private static async Task PumpSocketToWebSocketAsync(Socket socket, WebSocket webSocket, ChunkHook? hook, int chunkBytes, CancellationToken cancellationToken)
    {
        byte[]? buffer = null;
        try
        {
            while (true)
            {
                if (buffer is null)
                {
                    // Waits for data without a buffer (as Kestrel's transport does); see ReleaseWhenDrained.
                    await socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, cancellationToken);
                    buffer = ArrayPool<byte>.Shared.Rent(chunkBytes);
                }

                var read = await socket.ReceiveAsync(buffer.AsMemory(0, chunkBytes), SocketFlags.None, cancellationToken);
                if (read == 0)
                {
                    await webSocket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cancellationToken);
                    return;
                }

                if (hook is not null)
                {
                    await hook(read, cancellationToken);
                }

                await webSocket.SendAsync(buffer.AsMemory(0, read), WebSocketMessageType.Binary, endOfMessage: true, cancellationToken);
                buffer = ReleaseWhenDrained(buffer, read, chunkBytes);
            }
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    /// <summary>
    /// Keeps the buffer after a read that filled it (more is waiting: the next read goes straight in) and returns it
    /// to the pool after a shorter one, when the source is probably drained: the next read then waits for data
    /// without a buffer. A stream left open and idle (a browser's keep-alive connection through SOCKS) so holds no
    /// chunk buffer at either end of the relay, while a bulk transfer pays no extra wait per chunk.
    /// </summary>
    private static byte[]? ReleaseWhenDrained(byte[] buffer, int read, int chunkBytes)
    {
        if (read >= chunkBytes)
        {
            return buffer;
        }

        ArrayPool<byte>.Shared.Return(buffer);
        return null;
    }
}
