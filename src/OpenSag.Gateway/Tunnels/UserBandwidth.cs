using System.Threading.RateLimiting;

namespace OpenSag.Gateway.Tunnels;

/// <summary>
/// One token bucket per user and direction, shared by all of the user's sessions and streams, so <c>Bandwidth</c>
/// caps the user, not each connection. Tokens are bytes: Kbit/s × 1000 / 8 per second, refilled every 20 ms. One
/// acquisition takes at most 100 ms worth, kept between 1 KiB (so tiny caps still move a useful chunk) and one relay
/// buffer. The bucket holds that chunk plus 100 ms of refills: the limiter refills by the time elapsed, and under
/// load its timer fires late; a bucket with room for only one refill threw the rest of a late refill away, which
/// cost a busy gateway (128 shaped streams on 2 cores) about 40% of every user's Bandwidth.
/// <para>
/// The buckets exist only while a session of the user holds a <see cref="Share"/> (DESIGN.md §4.2): each bucket
/// owns a 20 ms replenishment timer, so a user who has left must not keep one. The last share to leave disposes
/// them. A session joining at a different rate (the user's Bandwidth was changed) replaces the user's buckets for
/// every stream of the user; the replaced limiters are disposed, which completes their waiting acquisitions with
/// a failed lease, and those retry on the new buckets instead of hanging.
/// </para>
/// </summary>
public sealed class UserBandwidth
{
    public const int RelayBufferBytes = 16 * 1024;

    /// <summary>
    /// Acquisitions one user may have waiting per direction. A relay direction waits for at most one chunk at a
    /// time, so this is the number of the user's streams that may be blocked on the cap at once: twice the 512
    /// connections (each stream is one) the gateway lets one source address hold by default. Beyond it a stream is ended rather than
    /// queued, so one account cannot grow the queue without bound.
    /// </summary>
    public const int MaxWaitingStreams = 1024;

    private static readonly TimeSpan Refill = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan LateRefillAllowance = TimeSpan.FromMilliseconds(100);
    private readonly Lock _gate = new();
    private readonly Dictionary<(string SmartAGId, string UserName), UserBuckets> _users = [];

    /// <summary>Users whose buckets exist now (those with at least one joined session).</summary>
    public int UserCount
    {
        get
        {
            lock (_gate)
            {
                return _users.Count;
            }
        }
    }

    /// <summary>
    /// A session's hold on the user's buckets at <paramref name="kilobitsPerSecond"/>; a different rate than the
    /// user's current one replaces the buckets (new chunks of every stream of the user use the new rate). Dispose
    /// the share when the session ends; the last one disposes the buckets.
    /// </summary>
    public Share Join(string smartAgId, string userName, int kilobitsPerSecond)
    {
        var key = (smartAgId, userName);
        Buckets? replaced = null;
        UserBuckets? user;
        lock (_gate)
        {
            if (!_users.TryGetValue(key, out user))
            {
                _users[key] = user = new UserBuckets(new Buckets(kilobitsPerSecond));
            }
            else if (user.Current!.KilobitsPerSecond != kilobitsPerSecond)
            {
                replaced = user.Current;
                user.Current = new Buckets(kilobitsPerSecond);
            }

            user.Shares++;
        }

        replaced?.Dispose();
        return new Share(this, key, user);
    }

    private void Leave((string, string) key, UserBuckets user)
    {
        Buckets? released = null;
        lock (_gate)
        {
            if (--user.Shares == 0)
            {
                _users.Remove(key);
                released = user.Current;
                user.Current = null;
            }
        }

        released?.Dispose();
    }

    internal sealed class UserBuckets(Buckets current)
    {
        private volatile Buckets? _current = current;

        /// <summary>Null once the last share has left.</summary>
        public Buckets? Current
        {
            get => _current;
            set => _current = value;
        }

        /// <summary>Guarded by the <see cref="UserBandwidth"/> lock.</summary>
        public int Shares { get; set; }
    }

    /// <summary>One session's hold on its user's buckets (see <see cref="Join"/>). Thread-safe.</summary>
    public sealed class Share : IDisposable
    {
        private readonly UserBandwidth _owner;
        private readonly (string, string) _key;
        private readonly UserBuckets _user;
        private int _disposed;

        internal Share(UserBandwidth owner, (string, string) key, UserBuckets user)
        {
            _owner = owner;
            _key = key;
            _user = user;
        }

        /// <summary>The largest single acquisition at the user's current rate: relays read at most this much at a time.</summary>
        public int MaxChunk => _user.Current?.MaxChunk ?? RelayBufferBytes;

        /// <summary>Waits until the user may send <paramref name="bytes"/> more from client to network.</summary>
        /// <exception cref="ObjectDisposedException">The user's buckets are gone: the session has ended.</exception>
        /// <exception cref="IOException">More than <see cref="MaxWaitingStreams"/> of the user's streams are already waiting.</exception>
        public ValueTask AcquireUpstreamAsync(int bytes, CancellationToken cancellationToken) => AcquireAsync(upstream: true, bytes, cancellationToken);

        /// <summary>Waits until the user may receive <paramref name="bytes"/> more from the network; errors as <see cref="AcquireUpstreamAsync"/>.</summary>
        public ValueTask AcquireDownstreamAsync(int bytes, CancellationToken cancellationToken) => AcquireAsync(upstream: false, bytes, cancellationToken);

        private async ValueTask AcquireAsync(bool upstream, int bytes, CancellationToken cancellationToken)
        {
            while (bytes > 0)
            {
                var buckets = _user.Current ?? throw new ObjectDisposedException(nameof(UserBandwidth), "the user's bandwidth buckets were released");
                // A relay reads chunks sized by the rate it started with; a lower new rate has smaller buckets.
                var take = Math.Min(bytes, buckets.MaxChunk);
                RateLimitLease lease;
                try
                {
                    lease = await (upstream ? buckets.Upstream : buckets.Downstream).AcquireAsync(take, cancellationToken);
                }
                catch (ObjectDisposedException) when (_user.Current is { } current && !ReferenceEquals(current, buckets))
                {
                    continue; // Replaced between reading Current and acquiring: take the new buckets.
                }

                using (lease)
                {
                    if (!lease.IsAcquired)
                    {
                        if (!ReferenceEquals(_user.Current, buckets))
                        {
                            continue; // Replaced (or released) while waiting: disposal failed this lease.
                        }

                        throw new IOException("the user's bandwidth queue is full");
                    }
                }

                bytes -= take;
            }
        }

        /// <summary>
        /// The policer of the layer-3 path (DESIGN.md §4.1): takes <paramref name="bytes"/> from the user's upstream
        /// bucket now, or nothing, without waiting (a packet is dropped, never queued). Shares the stream relays'
        /// bucket, so streams and packets together hold the user's Bandwidth; while a stream waits its turn in the
        /// bucket's queue, packets get none (the limiter serves the oldest waiter first). A packet larger than the
        /// bucket (a Bandwidth of a few Kbit/s) is charged the bucket's whole size. No allocation when it succeeds.
        /// </summary>
        public bool TryTakeUpstream(int bytes) => TryTake(upstream: true, bytes);

        /// <summary>As <see cref="TryTakeUpstream"/>, for packets to the client.</summary>
        public bool TryTakeDownstream(int bytes) => TryTake(upstream: false, bytes);

        private bool TryTake(bool upstream, int bytes)
        {
            // Two tries: the buckets may be replaced (the user's rate changed) between reading Current and taking.
            for (var attempt = 0; attempt < 2; attempt++)
            {
                if (_user.Current is not { } buckets)
                {
                    return false;
                }

                try
                {
                    using var lease = (upstream ? buckets.Upstream : buckets.Downstream).AttemptAcquire(Math.Min(bytes, buckets.TokenLimit));
                    return lease.IsAcquired;
                }
                catch (ObjectDisposedException)
                {
                }
            }

            return false;
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                _owner.Leave(_key, _user);
            }
        }
    }

    /// <summary>A user's pair of buckets at one rate.</summary>
    internal sealed class Buckets(int kilobitsPerSecond) : IDisposable
    {
        public int KilobitsPerSecond { get; } = kilobitsPerSecond;
        public TokenBucketRateLimiter Upstream { get; } = Create(kilobitsPerSecond);
        public TokenBucketRateLimiter Downstream { get; } = Create(kilobitsPerSecond);

        public int MaxChunk { get; } = BurstBytes(kilobitsPerSecond);

        /// <summary>The most one acquisition may take (the limiter throws beyond it).</summary>
        public int TokenLimit { get; } = TokenLimitFor(kilobitsPerSecond);

        public void Dispose()
        {
            Upstream.Dispose();
            Downstream.Dispose();
        }

        private static TokenBucketRateLimiter Create(int kbps) => new(new TokenBucketRateLimiterOptions
        {
            TokenLimit = TokenLimitFor(kbps),
            TokensPerPeriod = TokensFor(kbps, Refill),
            ReplenishmentPeriod = Refill,
            QueueLimit = MaxWaitingStreams * BurstBytes(kbps),
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            AutoReplenishment = true,
        });

        private static int TokenLimitFor(int kbps) => BurstBytes(kbps) + TokensFor(kbps, LateRefillAllowance);

        private static long BytesPerSecond(int kbps) => kbps * 1000L / 8;

        private static int TokensFor(int kbps, TimeSpan period) => Math.Max(1, (int)(BytesPerSecond(kbps) * period.TotalSeconds));

        private static int BurstBytes(int kbps) => (int)Math.Clamp(BytesPerSecond(kbps) / 10, 1024, RelayBufferBytes);
    }
}
