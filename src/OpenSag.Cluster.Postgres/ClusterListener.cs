using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using OpenSag.Sessions;

namespace OpenSag.Cluster.Postgres;

/// <summary>
/// Holds this node's one dedicated connection that LISTENs for the other nodes' notices: revocations, whose matching
/// sessions it closes, and configuration changes, which it hands to the <see cref="ChangeReceiver"/>. When the
/// connection drops it logs it, reconnects with a capped backoff and, once listening again, repairs what was
/// announced while nobody listened: the sweep closes sessions from the stored generations, and the receiver
/// re-applies every change kind to the instances with sessions here.
/// </summary>
public sealed class ClusterListener(ClusterDatabase database, SessionRegistry registry, StaleSessionSweep sweep, ChangeReceiver changes, ILogger<ClusterListener> logger) : BackgroundService
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var backoff = TimeSpan.FromMilliseconds(200);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ListenAsync(() => backoff = TimeSpan.FromMilliseconds(200), stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning("Cluster listener lost the database ({Message}); reconnecting in {Backoff}", e.Message, backoff);
                await Task.Delay(backoff, stoppingToken);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
            }
        }
    }

    private async Task ListenAsync(Action connected, CancellationToken stoppingToken)
    {
        // Keepalive makes a silently dead connection (a cut network, not a closed socket) fail within seconds
        // instead of waiting forever for a notification that cannot come. The application name lets an operator (and
        // a test) find this node's listening connection in pg_stat_activity.
        var builder = new NpgsqlConnectionStringBuilder(database.Options.ConnectionString)
        {
            KeepAlive = 2,
            Pooling = false,
            ApplicationName = ListenerApplicationName(database.NodeId),
        };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        connection.Notification += (_, e) => OnNotification(e.Channel, e.Payload);
        await connection.OpenAsync(stoppingToken);
        await using (var listen = new NpgsqlCommand($"LISTEN {ClusterOptions.RevocationChannel}; LISTEN {ClusterOptions.ChangeChannel}", connection))
        {
            await listen.ExecuteNonQueryAsync(stoppingToken);
        }

        connected();
        var repaired = await sweep.RunAsync(stoppingToken);
        changes.CatchUp();
        logger.LogInformation("Listening for revocations and changes; catch-up sweep closed {Closed} stale sessions", repaired);
        while (!stoppingToken.IsCancellationRequested)
        {
            await connection.WaitAsync(stoppingToken);
        }
    }

    /// <summary>The <c>application_name</c> of the node's listening connection.</summary>
    public static string ListenerApplicationName(string nodeId) => "opensag-listener-" + nodeId;

    /// <summary>Runs on the connection's reader; the work goes elsewhere so the next notification is not held up.</summary>
    private void OnNotification(string channel, string payload)
    {
        if (channel == ClusterOptions.ChangeChannel)
        {
            changes.Receive(payload);
            return;
        }

        if (RevocationMessage.TryRead(payload) is not { } message)
        {
            logger.LogWarning("Ignored a revocation this build cannot read: {Payload}", payload);
            return;
        }

        if (message.SessionId is { } sessionId)
        {
            _ = Task.Run(async () =>
            {
                try
                {
                    if (await registry.CloseSessionAsync(message.SmartAGId, sessionId, message.Reason, CancellationToken.None))
                    {
                        logger.LogInformation("Disconnection from node {Node}: session {SessionId} on {SmartAGId} closed here", message.Node, sessionId, message.SmartAGId);
                    }
                }
                catch (Exception e)
                {
                    logger.LogError(e, "Closing session {SessionId} on {SmartAGId} for a disconnection failed", sessionId, message.SmartAGId);
                }
            });
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                var closed = await registry.CloseStaleSessionsAsync(message.SmartAGId, message.UserName, message.Generation, message.Reason, CancellationToken.None);
                if (closed > 0)
                {
                    logger.LogInformation("Revocation from node {Node} ({Reason}): sessions of {UserName} on {SmartAGId} closed here: {Closed}", message.Node, message.Reason, message.UserName, message.SmartAGId, closed);
                }
            }
            catch (Exception e)
            {
                logger.LogError(e, "Closing sessions for a revocation of {UserName} on {SmartAGId} failed", message.UserName, message.SmartAGId);
            }
        });
    }
}
