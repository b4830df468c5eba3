using Microsoft.Extensions.Hosting;
using OpenSag.Gateway.Security;

namespace OpenSag.Gateway.Sessions;

/// <summary>
/// The heartbeat of what logins leave behind (DESIGN.md §4.2): every <see cref="Interval"/> it drops failed-login entries
/// whose window has passed (<see cref="LoginThrottle.Evict"/>) and revoked logins whose tokens have expired
/// (<see cref="RevokedLogins.Evict"/>). One <see cref="TimeProvider"/> timer for both, so neither keeps a timer per entry
/// and a test drives it with its own clock. An entry so outlives its use by at most one interval.
/// </summary>
public sealed class LoginStateSweep(LoginThrottle throttle, SessionTokens tokens, TimeProvider time) : IHostedService, IDisposable
{
    /// <summary>Half the default failure window: entries linger at most 30 s past their last use.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    private ITimer? _timer;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _timer = time.CreateTimer(_ => Sweep(), null, Interval, Interval);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _timer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        return Task.CompletedTask;
    }

    /// <summary>One beat (the timer's callback).</summary>
    public void Sweep()
    {
        throttle.Evict();
        try
        {
            tokens.Revocations.Evict(time.GetUtcNow());
        }
        catch (IOException)
        {
            // The rewrite is only compaction: the old file is still whole and the next beat tries again.
        }
    }

    public void Dispose() => _timer?.Dispose();
}
