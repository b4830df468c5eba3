using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenSag.Sessions;

namespace OpenSag.Cluster.Postgres;

/// <summary>
/// Applies the other nodes' change notices on this node (<see cref="ChangeFeed.DeliverAsync"/>), one at a time in the
/// order PostgreSQL delivered them, so a slow reload never finishes after, and undoes, a later one. The node's own
/// notices come back on the channel too; they are ignored, since <see cref="ChangeFeed.PublishAsync"/> already applied
/// them here. Notices sent while this node was not listening are lost: <see cref="CatchUp"/> (on every reconnect) and
/// the gateway's periodic reconcile repair them.
/// </summary>
public sealed class ChangeReceiver(ClusterDatabase database, ChangeFeed feed, SessionRegistry registry, ILogger<ChangeReceiver> logger) : BackgroundService
{
    /// <summary>The kinds a node may have missed while not listening: every kind this build publishes.</summary>
    private static readonly string[] CatchUpKinds = [ChangeNotice.AclKind];

    private readonly Channel<(string Node, ChangeNotice Notice)> _queue = Channel.CreateUnbounded<(string, ChangeNotice)>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Queues a payload from <see cref="ClusterOptions.ChangeChannel"/>; runs on the listening connection's reader, so it never waits.</summary>
    public void Receive(string payload)
    {
        if (ChangeMessage.TryRead(payload) is not { } message)
        {
            logger.LogWarning("Ignored a change notice this build cannot read: {Payload}", payload);
            return;
        }

        ClusterMetrics.Received("change", message.SentAt, TimeProvider.System.GetUtcNow());

        if (message.Node != database.NodeId)
        {
            _queue.Writer.TryWrite((message.Node, new ChangeNotice(message.Kind, message.SmartAGIds)));
        }
    }

    /// <summary>
    /// Queues, for every kind, a notice naming the instances with sessions on this node: what the listener calls once
    /// it listens again, so what changed while it did not is applied now rather than at the next reconcile.
    /// </summary>
    public void CatchUp()
    {
        string[] instances = [.. registry.All().Select(s => s.SmartAGId).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        if (instances.Length == 0)
        {
            return;
        }

        foreach (var kind in CatchUpKinds)
        {
            _queue.Writer.TryWrite((database.NodeId, new ChangeNotice(kind, instances)));
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var (node, notice) in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            try
            {
                await feed.DeliverAsync(notice, stoppingToken);
                logger.LogInformation("Change notice from node {Node} ({Kind}) applied here for {Count} instance(s)", node, notice.Kind, notice.SmartAGIds.Count);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogError(e, "Applying a change notice from node {Node} ({Kind}, {Count} instance(s)) failed; the reconcile retries it", node, notice.Kind, notice.SmartAGIds.Count);
            }
        }
    }
}
