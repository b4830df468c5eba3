using System.Buffers;
using System.Net.WebSockets;
using OpenSag.Gateway.Protocol;

namespace OpenSag.Gateway.Sessions;

/// <summary>
/// The server's end of one control WebSocket: whole text messages in, serialised sends out, and when the client was
/// last heard from (any frame), which is what <see cref="ControlHeartbeat"/> judges it by. Only the connection's
/// reader calls <see cref="ReceiveAsync"/>; sends may come from anywhere.
/// </summary>
public sealed class ControlChannel : IKeepalivePeer, IDisposable
{
    /// <summary>The largest control message: a login is a few hundred bytes.</summary>
    public const int MaxMessageBytes = 4096;

    private readonly WebSocket _socket;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private long _lastSeen;
    private int _timedOut;

    public ControlChannel(WebSocket socket, TimeProvider time)
    {
        _socket = socket;
        _time = time;
        _lastSeen = time.GetTimestamp();
    }

    public WebSocketState State => _socket.State;

    /// <inheritdoc/>
    public long LastSeen => Volatile.Read(ref _lastSeen);

    /// <summary>True once the heartbeat has given up on the client (<see cref="Expire"/>): why the transport was aborted.</summary>
    public bool TimedOut => Volatile.Read(ref _timedOut) == 1;

    /// <summary>One whole text message, or null on a close frame.</summary>
    /// <exception cref="ControlProtocolException">A binary frame, or a message over <see cref="MaxMessageBytes"/>.</exception>
    /// <exception cref="WebSocketException">The transport failed (also after <see cref="Expire"/> or <see cref="Abort"/>).</exception>
    public async Task<byte[]?> ReceiveAsync(CancellationToken cancellationToken)
    {
        // Pooled: every session reads a pong about once per keepalive interval, and only the message itself is kept.
        var buffer = ArrayPool<byte>.Shared.Rent(MaxMessageBytes);
        try
        {
            var length = 0;
            while (true)
            {
                if (length == MaxMessageBytes)
                {
                    throw new ControlProtocolException($"a control message is larger than {MaxMessageBytes} bytes");
                }

                var result = await _socket.ReceiveAsync(buffer.AsMemory(length, MaxMessageBytes - length), cancellationToken);
                Volatile.Write(ref _lastSeen, _time.GetTimestamp());
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return null;
                }

                if (result.MessageType != WebSocketMessageType.Text)
                {
                    throw new ControlProtocolException("control messages are JSON in text frames; a binary frame arrived");
                }

                length += result.Count;
                if (result.EndOfMessage)
                {
                    return buffer[..length];
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Sends one text message; concurrent callers take turns.</summary>
    public async Task SendAsync(ReadOnlyMemory<byte> utf8, CancellationToken cancellationToken)
    {
        await _sendLock.WaitAsync(cancellationToken);
        try
        {
            await _socket.SendAsync(utf8, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Sends a close frame (after any send in progress).</summary>
    public async Task CloseOutputAsync(WebSocketCloseStatus status, string description, CancellationToken cancellationToken)
    {
        await _sendLock.WaitAsync(cancellationToken);
        try
        {
            await _socket.CloseOutputAsync(status, description, cancellationToken);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <inheritdoc/>
    /// <remarks>Skipped while another send is in progress: that send is already traffic the client must take.</remarks>
    public void Ping()
    {
        try
        {
            if (!_sendLock.Wait(0))
            {
                return;
            }
        }
        catch (ObjectDisposedException)
        {
            return; // The connection ended between the heartbeat's snapshot and now.
        }

        _ = PingAsync();
    }

    /// <inheritdoc/>
    public void Expire()
    {
        Volatile.Write(ref _timedOut, 1);
        _socket.Abort();
    }

    public void Abort() => _socket.Abort();

    public void Dispose() => _sendLock.Dispose();

    private async Task PingAsync()
    {
        try
        {
            await _socket.SendAsync(ControlJson.Ping.ToArray(), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
        }
        catch (Exception e) when (e is WebSocketException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            // The connection is failing; its reader sees that, and the heartbeat expires it if it stays silent.
        }
        finally
        {
            try
            {
                _sendLock.Release();
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }
}

/// <summary>The client broke the control protocol; the message says how (sent back to the client in the closing message).</summary>
public sealed class ControlProtocolException(string message) : Exception(message);
