using System.Globalization;
using System.Net.WebSockets;

namespace OpenSag.Client;

/// <summary>
/// Where tunnel opens wait for the session. The local listeners listen before the first login (a port in use fails
/// at once), so a connection can be accepted before the session is online or while it reconnects; it waits here for
/// the session (<see cref="SetOnline"/>) instead of being closed, bounded in time (<see cref="HoldLimit"/>) and in
/// number (<see cref="WaitingLimit"/>). Cancelling an open's token (the client exits) ends its wait at once.
/// </summary>
/// <param name="time">The clock of the hold bound.</param>
/// <param name="holdLimit">How long one open waits for the session; <see cref="DefaultHoldLimit"/> unless a test says otherwise.</param>
/// <param name="waitingLimit">How many opens may wait at once; <see cref="DefaultWaitingLimit"/> unless a test says otherwise.</param>
public sealed class OnlineGate(TimeProvider time, TimeSpan holdLimit, int waitingLimit)
{
    /// <summary>
    /// 20 s: a first login takes well under a second on a reachable gateway, and a reconnect waits half to one
    /// backoff step before trying (<see cref="ReconnectBackoff"/>: 1, 2, 4, 8 s), so 20 s spans four failed attempts
    /// plus the one that succeeds. Longer, a program that got no byte would rather see a close and retry itself.
    /// </summary>
    public static readonly TimeSpan DefaultHoldLimit = TimeSpan.FromSeconds(20);

    /// <summary>
    /// 256: each waiting connection holds a descriptor, and so does its tunnel once online; a quarter of the usual
    /// default limit of 1024 open files leaves the client room for the sessions it has.
    /// </summary>
    public const int DefaultWaitingLimit = 256;

    private readonly Lock _lock = new();
    private TaskCompletionSource<TunnelOpener> _online = NewOffline();
    private int _waiting;

    /// <summary>The gate with the default bounds on the system clock.</summary>
    public OnlineGate()
        : this(TimeProvider.System, DefaultHoldLimit, DefaultWaitingLimit)
    {
    }

    public TimeSpan HoldLimit { get; } = holdLimit;

    public int WaitingLimit { get; } = waitingLimit;

    /// <summary>How many opens wait for the session now.</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    /// <summary>The session is online: opens go to <paramref name="open"/>, and those waiting go now.</summary>
    public void SetOnline(TunnelOpener open)
    {
        lock (_lock)
        {
            if (!_online.TrySetResult(open))
            {
                _online = new TaskCompletionSource<TunnelOpener>(TaskCreationOptions.RunContinuationsAsynchronously);
                _online.SetResult(open);
            }
        }
    }

    /// <summary>The session ended (reconnecting, or the client is leaving): opens wait again.</summary>
    public void SetOffline()
    {
        lock (_lock)
        {
            if (_online.Task.IsCompleted)
            {
                _online = NewOffline();
            }
        }
    }

    /// <summary>
    /// Opens a tunnel on the session once it is online (a <see cref="TunnelOpener"/>). An open whose session ends
    /// before it succeeds (the network failed, the client reconnects) waits for the next session, within the same
    /// <see cref="HoldLimit"/>: its failure says nothing about the destination, and a program would see a reset for a
    /// connection it made while the session was, as far as it could tell, online.
    /// </summary>
    /// <exception cref="NotOnlineException">Not online within <see cref="HoldLimit"/>, or <see cref="WaitingLimit"/> opens already wait.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled: the client exits.</exception>
    public async Task<WebSocket> OpenTunnelAsync(string destination, CancellationToken cancellationToken)
    {
        var start = time.GetTimestamp();
        var online = Current();
        var hold = HoldLimit;
        while (true)
        {
            if (!online.IsCompleted)
            {
                await WaitOnlineAsync(online, hold, cancellationToken);
            }

            try
            {
                return await (await online)(destination, cancellationToken);
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested && Current() is var next && next != online)
            {
                // SetOffline ran since this open took its session (ClientApp calls it before disposing the session).
                hold = HoldLimit - time.GetElapsedTime(start);
                if (hold <= TimeSpan.Zero)
                {
                    throw;
                }

                online = next;
            }
        }
    }

    private Task<TunnelOpener> Current()
    {
        lock (_lock)
        {
            return _online.Task;
        }
    }

    /// <exception cref="NotOnlineException"><paramref name="online"/> is not done within <paramref name="remaining"/>, or too many wait.</exception>
    private async Task WaitOnlineAsync(Task<TunnelOpener> online, TimeSpan remaining, CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _waiting) > WaitingLimit)
        {
            Interlocked.Decrement(ref _waiting);
            throw new NotOnlineException($"not online yet, and the limit of {WaitingLimit.ToString(CultureInfo.InvariantCulture)} waiting connections is reached");
        }

        try
        {
            await online.WaitAsync(remaining, time, cancellationToken);
        }
        catch (TimeoutException)
        {
            throw new NotOnlineException($"not online within {HoldLimit.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s");
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }
    }

    private static TaskCompletionSource<TunnelOpener> NewOffline() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>A tunnel could not be opened because the session was not online in time (<see cref="OnlineGate"/>).</summary>
public sealed class NotOnlineException(string message) : Exception(message);
