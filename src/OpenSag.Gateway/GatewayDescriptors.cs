using System.Threading.RateLimiting;

namespace OpenSag.Gateway;

/// <summary>
/// The descriptors the gateway may hold at once (<c>--gateway-max-connections</c>): one permit per client connection,
/// held from accept to close, and one per tunnel's socket to its destination, held for the relay's life. One budget
/// for both because a tunnel holds two descriptors: with client connections alone counted, a gateway full of tunnels
/// would need twice its cap and run the process out of open files, which issue 9 saw kill it.
/// </summary>
/// <param name="total">Permits in all; at least 1.</param>
public sealed class GatewayDescriptors(int total) : IDisposable
{
    private readonly ConcurrencyLimiter _limiter = new(new ConcurrencyLimiterOptions { PermitLimit = total, QueueLimit = 0 });

    /// <summary>The permits in all (the cap).</summary>
    public int Total { get; } = total;

    /// <summary>One permit now, or a lease that is not acquired when all are held; dispose the lease to give it back.</summary>
    public RateLimitLease TryAcquire() => _limiter.AttemptAcquire();

    public void Dispose() => _limiter.Dispose();
}
