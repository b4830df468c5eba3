using System.Net.WebSockets;
using OpenSag.Gateway.DataChannel;

namespace OpenSag.Client.Packets;

/// <summary>
/// One session's data channel over TLS (<see cref="Gateway.Protocol.GatewayPaths.Packets"/>), for networks where UDP does not get
/// through: one IP packet per binary WebSocket message each way, not sealed again (TLS seals it). The interface's
/// reading thread sends, waiting for each send to finish (the buffer is reused after); a receive loop writes each
/// message to the interface from one preallocated buffer. A message longer than any IP packet is dropped
/// (counted as malformed), never an exception.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal sealed class TlsDataChannel : IPacketSink, IAsyncDisposable
{
    /// <summary>The largest IPv4 packet (its total length is 16 bits).</summary>
    private const int MaxPacket = 65535;

    private readonly WebSocket _socket;
    private readonly ClientInterface _tun;
    private readonly Task _receiving;
    private int _disposed;

    public TlsDataChannel(WebSocket socket, ClientInterface tun)
    {
        _socket = socket;
        _tun = tun;
        _receiving = Task.Run(ReceiveLoopAsync);
    }

    /// <summary>Messages received and dropped, by reason.</summary>
    public DropCounters Drops { get; } = new();

    /// <summary>Completes when the gateway closed the WebSocket or the connection failed.</summary>
    public Task Ended => _receiving;

    /// <inheritdoc/>
    public bool TrySend(ReadOnlyMemory<byte> packet)
    {
        try
        {
            var sending = _socket.SendAsync(packet, WebSocketMessageType.Binary, WebSocketMessageFlags.EndOfMessage, CancellationToken.None);
            if (sending.IsCompletedSuccessfully)
            {
                // The usual case: the TLS write went straight to the socket buffer, nothing allocated.
                return true;
            }

            // On the interface's own thread, not the thread pool's: blocking here is what paces the interface's reads.
            sending.AsTask().GetAwaiter().GetResult();
            return true;
        }
        catch (Exception e) when (e is WebSocketException or ObjectDisposedException or InvalidOperationException or IOException or OperationCanceledException)
        {
            return false;
        }
    }

    /// <inheritdoc/>
    public void Flush()
    {
        // Each packet went as its own WebSocket message in TrySend: nothing is held back.
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // No close handshake: the session is ending either way, and the gateway drops the session's packet socket
        // with the session. Aborting also ends the receive loop at once.
        _socket.Abort();
        await _receiving;
        _socket.Dispose();
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[MaxPacket];
        var length = 0;
        var tooLong = false;
        try
        {
            while (true)
            {
                var received = await _socket.ReceiveAsync(buffer.AsMemory(length), CancellationToken.None);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                length += received.Count;
                if (!received.EndOfMessage)
                {
                    if (length == buffer.Length)
                    {
                        // Longer than any IP packet: read the rest of it into the same space and drop it whole.
                        tooLong = true;
                        length = 0;
                    }

                    continue;
                }

                if (tooLong || received.MessageType != WebSocketMessageType.Binary)
                {
                    Drops.Add(PacketDropReason.Malformed);
                }
                else if (length > 0)
                {
                    _tun.TryWrite(buffer.AsSpan(0, length));
                }

                length = 0;
                tooLong = false;
            }
        }
        catch (Exception e) when (e is WebSocketException or ObjectDisposedException or OperationCanceledException or IOException)
        {
            // Aborted by DisposeAsync, or the connection failed: the control channel decides what happens to the session.
        }
    }
}
