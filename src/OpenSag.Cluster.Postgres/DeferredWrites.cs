using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace OpenSag.Cluster.Postgres;

/// <summary>
/// Cluster writes that a session's close path starts but must not wait for (removing its session row, freeing its
/// address lease), run one after another by a background loop. Bounded: when the database is away and the queue
/// fills, the newest are dropped; the heartbeat's reconciliation removes whatever rows they would have removed.
/// </summary>
public sealed class DeferredWrites(ClusterDatabase database, ILogger<DeferredWrites> logger) : BackgroundService
{
    private readonly Channel<Func<ClusterDatabase, CancellationToken, Task>> _queue =
        Channel.CreateBounded<Func<ClusterDatabase, CancellationToken, Task>>(new BoundedChannelOptions(100_000) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    public void Enqueue(Func<ClusterDatabase, CancellationToken, Task> write)
    {
        if (!_queue.Writer.TryWrite(write))
        {
            logger.LogWarning("Cluster write queue full; the next reconciliation will repair the shared tables");
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var write in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            try
            {
                await write(database, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning("Cluster write failed, left to the reconciliation: {Message}", e.Message);
            }
        }
    }
}
