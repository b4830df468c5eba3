using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenSag.Domain;
using OpenSag.Sessions;
using OpenSag.Storage;

namespace OpenSag.Gateway.Tunnels;

/// <summary>
/// Counts tunnelled bytes per user in memory (two interlocked adds per relay chunk) and writes the deltas to the
/// store every <see cref="GatewayOptions.FlowFlushInterval"/> and at shutdown. A failed write keeps the deltas for
/// the next round, so a database hiccup delays the statistics but loses nothing.
/// </summary>
public sealed class FlowMeter(IFlowStore store, GatewayOptions options, TimeProvider time, ILogger<FlowMeter> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<(string SmartAGId, string UserName), Counter> _counters = new();

    public Counter For(string smartAgId, string userName) => _counters.GetOrAdd((smartAgId, userName), static _ => new Counter());

    /// <summary>
    /// The counter one session feeds: each add goes to its user's month counter (<see cref="For(string, string)"/>)
    /// and to the session's own totals, so every place that meters traffic meters the session too.
    /// </summary>
    public Counter For(IOnlineSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        return new Counter(For(session.Info.SmartAGId, session.Info.UserName), session.Traffic);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.FlowFlushInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await FlushAsync(CancellationToken.None);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await FlushAsync(cancellationToken);
    }

    /// <summary>Writes what has accumulated since the last flush, dated by the current month.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        var month = time.GetUtcNow().ToString("yyyyMM", CultureInfo.InvariantCulture);
        var deltas = new List<(Counter Counter, FlowTotal Delta)>();
        foreach (var ((smartAgId, userName), counter) in _counters)
        {
            var (bytesIn, bytesOut) = counter.Take();
            if (bytesIn != 0 || bytesOut != 0)
            {
                deltas.Add((counter, new FlowTotal(smartAgId, userName, month, bytesIn, bytesOut)));
            }
        }

        if (deltas.Count == 0)
        {
            return;
        }

        try
        {
            await store.AddFlowAsync([.. deltas.Select(d => d.Delta)], cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Could not write traffic counters; keeping them for the next flush");
            foreach (var (counter, delta) in deltas)
            {
                counter.Add(delta.BytesIn, delta.BytesOut);
            }
        }
    }

    public sealed class Counter
    {
        private readonly Counter? _user;
        private readonly SessionTraffic? _session;
        private long _bytesIn;
        private long _bytesOut;

        /// <summary>A user's month counter, flushed to the store.</summary>
        public Counter()
        {
        }

        /// <summary>A session's view of its user's counter (<see cref="For(IOnlineSession)"/>): holds nothing itself.</summary>
        internal Counter(Counter user, SessionTraffic session)
        {
            _user = user;
            _session = session;
        }

        public void Add(long bytesIn, long bytesOut)
        {
            if (_user is not null)
            {
                _user.Add(bytesIn, bytesOut);
                _session!.Add(bytesIn, bytesOut);
                return;
            }

            Interlocked.Add(ref _bytesIn, bytesIn);
            Interlocked.Add(ref _bytesOut, bytesOut);
        }

        public (long BytesIn, long BytesOut) Take() => (Interlocked.Exchange(ref _bytesIn, 0), Interlocked.Exchange(ref _bytesOut, 0));
    }
}
