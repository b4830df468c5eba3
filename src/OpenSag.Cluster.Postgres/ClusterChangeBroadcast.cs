using System.Data.Common;
using Microsoft.Extensions.Logging;
using OpenSag.Sessions;

namespace OpenSag.Cluster.Postgres;

/// <summary>
/// Sends a <see cref="ChangeNotice"/> to the other nodes with <c>pg_notify</c> on <see cref="ClusterOptions.ChangeChannel"/>,
/// every part of a split notice (<see cref="ChangeMessage"/>) in one statement, so all parts are queued or none. Run
/// outside a transaction, the notification is committed, and queued for every listening node, by the time it returns;
/// each node's <see cref="ChangeReceiver"/> applies it. The change itself was committed to the store before the notice
/// was published, so a failed send is logged, not thrown: the API answer stays true (the change is stored and in force
/// on this node), and the other nodes apply it at their next reconcile, as they would a notice they missed.
/// </summary>
public sealed class ClusterChangeBroadcast(ClusterDatabase database, ILogger<ClusterChangeBroadcast> logger, TimeProvider? time = null) : IChangeBroadcast
{
    public async Task BroadcastAsync(ChangeNotice notice, CancellationToken cancellationToken)
    {
        var payloads = ChangeMessage.Write(database.NodeId, notice, (time ?? TimeProvider.System).GetUtcNow());
        try
        {
            await database.ExecuteAsync(
                "SELECT pg_notify($1, payload) FROM unnest($2::text[]) WITH ORDINALITY AS p (payload, n) ORDER BY n",
                p =>
                {
                    p.AddWithValue(ClusterOptions.ChangeChannel);
                    p.AddWithValue(payloads.ToArray());
                },
                cancellationToken);
        }
        catch (DbException e) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("Change notice ({Kind}, {Count} instance(s)) not sent to the other nodes ({Message}); they apply it at their next reconcile",
                notice.Kind, notice.SmartAGIds.Count, e.Message);
        }
    }
}
