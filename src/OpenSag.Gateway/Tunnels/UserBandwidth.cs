using System.Collections.Concurrent;
using System.Threading.RateLimiting;

namespace OpenSag.Gateway.Tunnels;

/// <summary>
/// One token bucket per user and direction, shared by all of the user's sessions and streams, so <c>Bandwidth</c>
/// caps the user, not each connection. Tokens are bytes: Kbit/s × 1000 / 8 per second, refilled every 20 ms. One
/// acquisition takes at most 100 ms worth, kept between 1 KiB (so tiny caps still move a useful chunk) and one relay
/// buffer. The bucket holds that chunk plus 100 ms of refills: the limiter refills by the time elapsed, and under
/// load its timer fires late; a bucket with room for only one refill threw the rest of a late refill away, which
/// cost a busy gateway (128 shaped streams on 2 cores) about 40% of every user's Bandwidth.
/// </summary>
public sealed class UserBandwidth
{
    public const int RelayBufferBytes = 16 * 1024;
    private static readonly TimeSpan Refill = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan LateRefillAllowance = TimeSpan.FromMilliseconds(100);
    private readonly ConcurrentDictionary<(string SmartAGId, string UserName), Buckets> _users = new();

    /// <summary>The user's buckets at this rate; a changed rate replaces them (new streams use the new rate).</summary>
    public Buckets For(string smartAgId, string userName, int kilobitsPerSecond) =>
        _users.AddOrUpdate((smartAgId, userName),
            static (_, rate) => new Buckets(rate),
            static (_, existing, rate) => existing.KilobitsPerSecond == rate ? existing : new Buckets(rate),
            kilobitsPerSecond);

    public sealed class Buckets(int kilobitsPerSecond)
    {
        public int KilobitsPerSecond { get; } = kilobitsPerSecond;
        public RateLimiter Upstream { get; } = Create(kilobitsPerSecond);
        public RateLimiter Downstream { get; } = Create(kilobitsPerSecond);

        /// <summary>The largest single acquisition: relays read at most this much at a time.</summary>
        public int MaxChunk { get; } = BurstBytes(kilobitsPerSecond);

        private static TokenBucketRateLimiter Create(int kbps) => new(new TokenBucketRateLimiterOptions
        {
            TokenLimit = BurstBytes(kbps) + TokensFor(kbps, LateRefillAllowance),
            TokensPerPeriod = TokensFor(kbps, Refill),
            ReplenishmentPeriod = Refill,
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            AutoReplenishment = true,
        });

        private static long BytesPerSecond(int kbps) => kbps * 1000L / 8;

        private static int TokensFor(int kbps, TimeSpan period) => Math.Max(1, (int)(BytesPerSecond(kbps) * period.TotalSeconds));

        private static int BurstBytes(int kbps) => (int)Math.Clamp(BytesPerSecond(kbps) / 10, 1024, RelayBufferBytes);
    }
}
