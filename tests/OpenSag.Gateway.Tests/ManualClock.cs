namespace OpenSag.Gateway.Tests;

/// <summary>A clock the test moves by hand; timers created on it fire only when the test calls <see cref="FireTimers"/>.</summary>
public sealed class ManualClock : TimeProvider
{
    private readonly List<(TimerCallback Callback, object? State)> _timers = [];

    public DateTimeOffset Now { get; set; } = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

    /// <summary>Timers created on this clock (and not disposed).</summary>
    public int TimerCount
    {
        get
        {
            lock (_timers)
            {
                return _timers.Count;
            }
        }
    }

    public override DateTimeOffset GetUtcNow() => Now;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        lock (_timers)
        {
            _timers.Add((callback, state));
        }

        return new Timer(this, (callback, state));
    }

    /// <summary>Runs every timer's callback once, on the calling thread.</summary>
    public void FireTimers()
    {
        (TimerCallback Callback, object? State)[] timers;
        lock (_timers)
        {
            timers = [.. _timers];
        }

        foreach (var (callback, state) in timers)
        {
            callback(state);
        }
    }

    private sealed class Timer(ManualClock clock, (TimerCallback, object?) entry) : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period) => true;

        public void Dispose()
        {
            lock (clock._timers)
            {
                clock._timers.Remove(entry);
            }
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
