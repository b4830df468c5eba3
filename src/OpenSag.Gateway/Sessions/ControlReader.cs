using System.Net.WebSockets;
using OpenSag.Gateway.Protocol;
using OpenSag.Sessions;

namespace OpenSag.Gateway.Sessions;

/// <summary>
/// The one reader of a control channel, started once the login is read (a pending receive is what notices a client
/// that leaves while its password is checked) and owned by the <see cref="GatewaySession"/> from the moment it exists.
/// <see cref="Ended"/> says why the session ends as seen from here; <see cref="Finished"/> says nothing more will be
/// read, which is what a goodbye waits for so the client's answering close frame is read before the transport is torn
/// down. After a protocol error the reader keeps reading and discarding until that close frame: aborting with it unread
/// resets the connection, and the reset can destroy the goodbye in flight.
/// </summary>
public sealed class ControlReader
{
    private readonly TaskCompletionSource<SessionEnd> _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ControlReader(ControlChannel channel) => Finished = RunAsync(channel);

    /// <summary>Why the reader stopped taking messages; never faults.</summary>
    public Task<SessionEnd> Ended => _ended.Task;

    /// <summary>Completes once the close frame was read or the transport ended (a goodbye's timeout aborts it); never faults.</summary>
    public Task Finished { get; }

    /// <summary>Starts reading; the caller reads nothing from <paramref name="channel"/> from then on.</summary>
    public static ControlReader Start(ControlChannel channel) => new(channel);

    private async Task RunAsync(ControlChannel channel)
    {
        try
        {
            var end = await ReceiveUntilEndAsync(channel);
            _ended.TrySetResult(end);
            if (end.Reason == SessionCloseReason.ProtocolError)
            {
                await DrainUntilCloseAsync(channel);
            }
        }
        finally
        {
            // Only reached first by a failure none of the catches below expected; the session still ends, as lost.
            _ended.TrySetResult(new(SessionCloseReason.ConnectionLost, null));
        }
    }

    /// <summary>
    /// Reads control messages until the session ends and returns why, as seen from here. Not cancellable on
    /// purpose: cancelling a WebSocket receive aborts the socket, which would cut a server-side goodbye short.
    /// When the server closes, the client's answering close frame ends this loop (or the abort in the goodbye
    /// does), and the close path, already running with the real reason, ignores the reason returned here. A
    /// transport that fails is <see cref="SessionCloseReason.ConnectionLost"/>, unless the heartbeat failed it
    /// (<see cref="ControlChannel.TimedOut"/>): a reason is recorded by whoever decided, never guessed.
    /// </summary>
    private static async Task<SessionEnd> ReceiveUntilEndAsync(ControlChannel channel)
    {
        try
        {
            while (true)
            {
                var payload = await channel.ReceiveAsync(CancellationToken.None);
                if (payload is null)
                {
                    return new(SessionCloseReason.ClientClosed, null);
                }

                switch (ControlJson.TypeOf(payload))
                {
                    case null:
                        return new(SessionCloseReason.ProtocolError, "a control message must be a JSON object with a string \"type\" and each key once");
                    case "logout":
                        return new(SessionCloseReason.ClientClosed, null);
                    default:
                        // A pong, or a message type from a newer client: either way the channel has seen the client.
                        continue;
                }
            }
        }
        catch (ControlProtocolException e)
        {
            return new(SessionCloseReason.ProtocolError, e.Message);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            return new(channel.TimedOut ? SessionCloseReason.KeepaliveTimeout : SessionCloseReason.ConnectionLost, null);
        }
    }

    /// <summary>Reads and discards until the client's close frame, or until the transport ends (the goodbye's timeout aborts it).</summary>
    private static async Task DrainUntilCloseAsync(ControlChannel channel)
    {
        while (true)
        {
            try
            {
                if (await channel.ReceiveAsync(CancellationToken.None) is null)
                {
                    return;
                }
            }
            catch (ControlProtocolException)
            {
                // More of what was refused; keep reading for the close frame.
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
            {
                return;
            }
        }
    }
}

/// <summary>How and why the control channel's reader stopped; <see cref="Detail"/> is our own words, for a protocol error.</summary>
public readonly record struct SessionEnd(SessionCloseReason Reason, string? Detail);
