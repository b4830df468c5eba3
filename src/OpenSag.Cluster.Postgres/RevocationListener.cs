using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using OpenSag.Sessions;

namespace OpenSag.Cluster.Postgres;

/// <summary>
/// Holds one dedicated connection that LISTENs for revocations and closes this node's matching sessions. When the
/// connection drops it reconnects with a capped backoff and, once listening again, runs the sweep at once: what
/// was announced while nobody listened is applied from the stored generations.
/// </summary>
public sealed class RevocationListener(ClusterDatabase database, SessionRegistry registry, StaleSessionSweep sweep, ILogger<RevocationListener> logger) : BackgroundService
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
                logger.LogWarning("Revocation listener lost the database ({Message}); reconnecting in {Backoff}", e.Message, backoff);
                await Task.Delay(backoff, stoppingToken);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
            }
        }
    }

    private async Task ListenAsync(Action connected, CancellationToken stoppingToken)
    {
        // Keepalive makes a silently dead connection (a cut network, not a closed socket) fail within seconds
        // instead of waiting forever for a notification that cannot come.
        var builder = new NpgsqlConnectionStringBuilder(database.Options.ConnectionString) { KeepAlive = 2, Pooling = false };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        connection.Notification += (_, e) => OnNotification(e.Payload);
        await connection.OpenAsync(stoppingToken);
        await using (var listen = new NpgsqlCommand($"LISTEN {ClusterOptions.RevocationChannel}", connection))
        {
            await listen.ExecuteNonQueryAsync(stoppingToken);
        }

        connected();
        var repaired = await sweep.RunAsync(stoppingToken);
        logger.LogInformation("Listening for revocations; catch-up sweep closed {Closed} stale sessions", repaired);
        while (!stoppingToken.IsCancellationRequested)
        {
            await connection.WaitAsync(stoppingToken);
        }
    }

    /// <summary>Runs on the connection's reader; the close goes to the thread pool so the next notification is not held up.</summary>
    private void OnNotification(string payload)
    {
        if (RevocationMessage.TryRead(payload) is not { } message)
        {
            logger.LogWarning("Ignored a revocation this build cannot read: {Payload}", payload);
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
