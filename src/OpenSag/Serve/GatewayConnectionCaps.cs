using System.Net;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenSag.Gateway;
using OpenSag.Security;

namespace OpenSag.Cli.Serve;

/// <summary>
/// Caps on the gateway listener's concurrent connections, per source and in total (issue 9 item 8). Applied as the
/// listener's first connection middleware, before the TLS handshake: a connection over a cap is closed at once,
/// having cost an accept and nothing more. Without them, idle connections took every file descriptor of the process
/// and the API stopped answering.
/// </summary>
internal static class GatewayConnectionCaps
{
    /// <summary>Default cap per source: e.g. 64 users behind one NAT address, each holding a control connection and
    /// up to 7 open tunnelled streams (a stream is a connection of its own).</summary>
    public const int DefaultPerSource = 512;

    /// <summary>Default total cap where the open-file limit is unknown (not Linux).</summary>
    public const int DefaultTotalWithoutLimit = 10_000;

    /// <summary>
    /// Descriptors kept out of the gateway's reach: an idle server already uses about 240 (runtime, thread pool, epoll,
    /// database files, certificates); the rest is for the API listener's connections and PostgreSQL's pool. Tunnels'
    /// destination sockets count against the gateway's own budget (<see cref="GatewayDescriptors"/>).
    /// </summary>
    public const int DescriptorReserve = 1024;

    /// <summary>
    /// The default total cap for an open-file limit: the limit less the reserve (less half the limit, when the limit is
    /// under twice the reserve), since each gateway connection and each tunnel's destination socket is one descriptor. E.g. a limit of 20,000 gives
    /// 20,000 − 1,024 = 18,976, which keeps the 18,000 idle sessions bench/README.md measures on such a machine.
    /// </summary>
    public static int DefaultTotal(ulong? openFileLimit)
    {
        if (openFileLimit is not { } limitFound)
        {
            return DefaultTotalWithoutLimit;
        }

        var limit = (long)Math.Min(limitFound, int.MaxValue);
        var reserve = Math.Min(DescriptorReserve, limit / 2);
        return (int)Math.Max(1, limit - reserve);
    }

    /// <summary>Adds the caps to <paramref name="listen"/>; call it before anything else on the listener.</summary>
    /// <param name="descriptors">The gateway's budget in all, which tunnels' destination sockets share.</param>
    /// <param name="perSource">Most connections held at once from one source (<see cref="SourceOf"/>).</param>
    public static ListenOptions CapConnections(this ListenOptions listen, GatewayDescriptors descriptors, int perSource)
    {
        // Idle per-source limiters are dropped by the partitioned limiter itself (about 10 s after their last
        // connection ends), so a stream of distinct sources holds no memory for long.
        var perSourceLimiter = PartitionedRateLimiter.Create<IPAddress, IPAddress>(source =>
            RateLimitPartition.GetConcurrencyLimiter(source, _ => new ConcurrencyLimiterOptions { PermitLimit = perSource, QueueLimit = 0 }));
        var total = descriptors.Total;
        listen.Use(next =>
        {
            var logger = listen.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(GatewayConnectionCaps));
            var time = listen.ApplicationServices.GetRequiredService<TimeProvider>();
            var nextWarning = long.MinValue;
            return async connection =>
            {
                var source = SourceOf(connection.RemoteEndPoint);
                using var sourceLease = perSourceLimiter.AttemptAcquire(source);
                using var totalLease = sourceLease.IsAcquired ? descriptors.TryAcquire() : null;
                if (totalLease is not { IsAcquired: true })
                {
                    // A flood refuses thousands of connections a second: one warning a minute, the rest at Debug.
                    var now = time.GetTimestamp();
                    var due = Interlocked.Read(ref nextWarning);
                    var level = now >= due && Interlocked.CompareExchange(ref nextWarning, now + (long)(60 * time.TimestampFrequency), due) == due
                        ? LogLevel.Warning
                        : LogLevel.Debug;
                    logger.Log(level, "Gateway connection from {Source} refused: connection cap reached ({PerSource} per source address, {Total} in all).", source, perSource, total);
                    return;
                }

                await next(connection);
            };
        });
        return listen;
    }

    /// <summary>The address a connection counts against (<see cref="ClientSource.Of"/>); <see cref="IPAddress.None"/> without one.</summary>
    public static IPAddress SourceOf(EndPoint? remote) => remote is IPEndPoint endpoint ? ClientSource.Of(endpoint.Address) : IPAddress.None;
}
