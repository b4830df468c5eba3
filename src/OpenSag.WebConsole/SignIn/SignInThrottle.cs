using System.Net;
using System.Threading.RateLimiting;
using OpenSag.Security;

namespace OpenSag.WebConsole.SignIn;

/// <summary>
/// Limits failed sign-ins per source (<see cref="ClientSource.Of"/>: an IPv4 address or an IPv6 /64, as the gateway's
/// login throttle counts them, since one IPv6 host may rotate through its whole /64): <see cref="FailuresPerWindow"/>
/// per <see cref="Window"/>, after which every attempt from that source (right or wrong) is refused until the window ends. Successful sign-ins cost
/// nothing. One attempt per address runs at a time, so the count is exact: a guesser cannot slip many guesses in
/// between a check and the record of its failure by sending them at once.
/// </summary>
public sealed class SignInThrottle : IDisposable
{
    public const int FailuresPerWindow = 5;

    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    /// <summary>Attempts of one address that may wait while another of its attempts is checked; more are refused.</summary>
    private const int QueuedAttempts = 4;

    private readonly PartitionedRateLimiter<IPAddress> _failures = PartitionedRateLimiter.Create<IPAddress, IPAddress>(address =>
        RateLimitPartition.GetFixedWindowLimiter(address, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = FailuresPerWindow,
            Window = Window,
            QueueLimit = 0,
        }));

    private readonly PartitionedRateLimiter<IPAddress> _oneAtATime = PartitionedRateLimiter.Create<IPAddress, IPAddress>(address =>
        RateLimitPartition.GetConcurrencyLimiter(address, _ => new ConcurrencyLimiterOptions
        {
            PermitLimit = 1,
            QueueLimit = QueuedAttempts,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        }));

    /// <summary>
    /// Runs <paramref name="attempt"/> (true: the credentials were right) unless <paramref name="address"/> has used up
    /// its failures; records a failure. Returns null when refused, with how long to wait; else the attempt's result.
    /// </summary>
    public async Task<(bool? Accepted, TimeSpan RetryAfter)> AttemptAsync(IPAddress address, Func<Task<bool>> attempt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(attempt);
        address = ClientSource.Of(address);
        using var turn = await _oneAtATime.AcquireAsync(address, 1, cancellationToken);
        if (!turn.IsAcquired)
        {
            return (null, Window);
        }

        // Zero permits asks whether any is left without taking one.
        using (var left = _failures.AttemptAcquire(address, 0))
        {
            if (!left.IsAcquired)
            {
                return (null, left.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : Window);
            }
        }

        if (await attempt())
        {
            return (true, TimeSpan.Zero);
        }

        using var failure = _failures.AttemptAcquire(address, 1);
        return (false, TimeSpan.Zero);
    }

    public void Dispose()
    {
        _failures.Dispose();
        _oneAtATime.Dispose();
    }
}
