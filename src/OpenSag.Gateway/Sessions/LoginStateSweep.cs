using Microsoft.Extensions.Hosting;
using OpenSag.Gateway.Security;

namespace OpenSag.Gateway.Sessions;

/// <summary>
/// The housekeeping of what logins leave behind (DESIGN.md §4.2): every <see cref="Interval"/> it drops failed-login
/// entries whose window has passed (<see cref="LoginThrottle.Evict"/>) and revoked logins whose tokens have expired
/// (<see cref="RevokedLogins.Evict"/>). It rides the gateway's one heartbeat (<see cref="ControlHeartbeat.Every"/>), so no
/// entry keeps a timer of its own and a test drives it with its own clock. An entry so outlives its use by at most one
/// interval and one heartbeat tick.
/// </summary>
public sealed class LoginStateSweep(LoginThrottle throttle, SessionTokens tokens, ControlHeartbeat heartbeat, TimeProvider time) : IHostedService, IDisposable
{
    /// <summary>Half the default failure window: entries linger at most 30 s past their last use.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    private IDisposable? _chore;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _chore = heartbeat.Every(Interval, Sweep);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _chore?.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>One sweep (what the heartbeat runs every <see cref="Interval"/>).</summary>
    public void Sweep()
    {
        throttle.Evict();
        try
        {
            tokens.Revocations.Evict(time.GetUtcNow());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The rewrite is only compaction: the old file is still whole and the next beat tries again. Nothing may
            // escape here: this runs on the heartbeat's timer, where an exception would end the process.
        }
    }

    public void Dispose() => _chore?.Dispose();
}
