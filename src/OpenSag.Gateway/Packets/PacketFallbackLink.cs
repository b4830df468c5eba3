using System.Buffers;
using System.Net.WebSockets;
using System.Threading.Channels;

namespace OpenSag.Gateway.Packets;

/// <summary>
/// A session's TLS fallback for packets to the client (<see cref="Protocol.GatewayPaths.Packets"/>): a bounded queue
/// the TUN thread drops into without waiting, emptied by one sender onto the WebSocket, one packet per binary message.
/// A full queue drops the packet, as a full UDP socket buffer or a router's queue would: TCP and the applications
/// above it recover, and the TUN thread never waits on one slow client.
/// </summary>
internal sealed class PacketFallbackLink(WebSocket socket)
{
    /// <summary>Packets waiting for the WebSocket: 256 × at most 1420 bytes, about 360 KiB a session at the worst,
    /// and 256 packets cover the window of a TCP flow at a few hundred Mbit/s over a 10 ms path.</summary>
    public const int QueueLength = 256;

    private readonly Channel<(byte[] Buffer, int Length)> _queue = Channel.CreateBounded<(byte[], int)>(
        new BoundedChannelOptions(QueueLength) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    public WebSocket Socket => socket;

    /// <summary>Queues a copy of the packet (in a pooled buffer); false when the queue is full or the link ended.</summary>
    public bool TrySend(ReadOnlySpan<byte> packet)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(packet.Length);
        packet.CopyTo(buffer);
        if (_queue.Writer.TryWrite((buffer, packet.Length)))
        {
            return true;
        }

        ArrayPool<byte>.Shared.Return(buffer);
        return false;
    }

    /// <summary>Sends what is queued until the link is aborted or the WebSocket fails.</summary>
    public async Task RunSenderAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var (buffer, length) in _queue.Reader.ReadAllAsync(cancellationToken))
            {
                try
                {
                    await socket.SendAsync(buffer.AsMemory(0, length), WebSocketMessageType.Binary, endOfMessage: true, cancellationToken);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            // The link is gone; the receive side ends too.
        }
        finally
        {
            Abort();
            while (_queue.Reader.TryRead(out var item))
            {
                ArrayPool<byte>.Shared.Return(item.Buffer);
            }
        }
    }

    /// <summary>Ends the link: no more packets are queued, and the WebSocket is aborted.</summary>
    public void Abort()
    {
        _queue.Writer.TryComplete();
        socket.Abort();
    }
}
