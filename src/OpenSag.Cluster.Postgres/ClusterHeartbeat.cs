using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenSag.Sessions;

namespace OpenSag.Cluster.Postgres;

/// <summary>
/// Every heartbeat interval: prove this node alive (the database's clock, so nodes' clocks need not agree), clear
/// the rows of nodes silent past the node timeout, reconcile this node's rows with its registry, copy its sessions'
/// byte totals to their rows (so the online list on every node shows them, one interval old at most), close sessions
/// a revocation made stale and forget expired nonces. Each step fails alone (logged) and is retried next beat.
/// </summary>
/// <remarks>
/// Self-fencing: a node whose last completed heartbeat began <see cref="ClusterOptions.FenceAfter"/> ago on its own
/// monotonic clock closes every session it holds (<see cref="SessionCloseReason.ServerShutdown"/>: the client
/// reconnects and lands on a node that can reach the database) and admits none until a heartbeat succeeds again. A
/// node cut off from PostgreSQL cannot hear revocations, so without this it would keep forwarding a kicked user's
/// packets for as long as the outage lasts; with it, every node whose heartbeat row is older than
/// <see cref="ClusterOptions.NodeTimeout"/> has closed its sessions, which is what <see cref="RevocationAnnouncer"/>
/// relies on. The row's time is the database's <c>now()</c> during the beat, never earlier than the local start of
/// the beat, so the fence falls at least one heartbeat interval (less the check period) before the others stop
/// waiting, whatever the two clocks read.
/// </remarks>
public sealed class ClusterHeartbeat(ClusterDatabase database, SessionRegistry registry, StaleSessionSweep sweep, TimeProvider time, ILogger<ClusterHeartbeat> logger) : BackgroundService
{
    /// <summary>Rows younger than this may belong to a session still being admitted, so reconciliation spares them.</summary>
    private static readonly TimeSpan AdmissionGrace = TimeSpan.FromMinutes(1);

    private bool _healthy = true;

    /// <summary>Local timestamp (<see cref="TimeProvider.GetTimestamp"/>) of the start of the last heartbeat that completed.</summary>
    private long _lastBeatStarted;

    private bool _fenced;

    /// <summary>Before the server listens: the node row exists and the leftovers of this node's previous run are gone.</summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await ClusterSchema.ApplyAsync(database.DataSource, cancellationToken);
        await BeatAsync(cancellationToken);
        await database.ExecuteAsync(
            "WITH sessions AS (DELETE FROM cluster_sessions WHERE node_id = $1) DELETE FROM client_ip_leases WHERE node_id = $1",
            p => p.AddWithValue(database.NodeId),
            cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    /// <summary>
    /// A node stopping cleanly leaves the cluster at once instead of after the node timeout: its sessions were
    /// closed when the host began stopping, and its rows go with its node row. Best effort, bounded; a failure
    /// leaves the rows to the other nodes' sweep.
    /// </summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(TimeSpan.FromSeconds(3));
        try
        {
            await database.ExecuteAsync(
                "WITH sessions AS (DELETE FROM cluster_sessions WHERE node_id = $1), leases AS (DELETE FROM client_ip_leases WHERE node_id = $1) DELETE FROM cluster_nodes WHERE node_id = $1",
                p => p.AddWithValue(database.NodeId),
                bound.Token);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("Node {NodeId} could not remove its rows on the way out ({Message}); the other nodes' sweep will", database.NodeId, e.Message);
        }
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(BeatLoopAsync(stoppingToken), FenceLoopAsync(stoppingToken));

    private async Task BeatLoopAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(database.Options.HeartbeatInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await BeatAsync(stoppingToken);
                await PurgeDeadNodesAsync(stoppingToken);
                await ReconcileAsync(stoppingToken);
                await ClusterSessionTable.WriteTrafficAsync(database, registry.ListAll(), stoppingToken);
                await sweep.RunAsync(stoppingToken);
                await database.ExecuteAsync("DELETE FROM signature_nonces WHERE expires_at < now()", _ => { }, stoppingToken);
                if (!_healthy)
                {
                    logger.LogInformation("Cluster database reachable again; node {NodeId} caught up", database.NodeId);
                    _healthy = true;
                }
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                if (_healthy)
                {
                    logger.LogWarning("Cluster heartbeat of node {NodeId} failed ({Message}); existing sessions keep running for up to {Seconds} s (then the node fences itself), new logins and API writes are refused until the database is back", database.NodeId, e.Message, (int)database.Options.FenceAfter.TotalSeconds);
                    _healthy = false;
                }
            }
        }
    }

    /// <summary>
    /// Checks the fence rule five times per heartbeat interval, so the fence falls at most a fifth of an interval
    /// after its time: with the defaults, sessions close 25-26 s after the last good beat began, 4 s or more before
    /// the other nodes' 30 s timeout. Separate from the beat loop, which may hang in a database call.
    /// </summary>
    private async Task FenceLoopAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(database.Options.HeartbeatInterval / 5, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await CheckFenceAsync();
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // A BackgroundService that throws stops the host; the fence stays set (publication refused) and the
                // sessions' own close paths have run as far as they could.
                logger.LogError("Node {NodeId} could not close all its sessions while fencing itself ({Message})", database.NodeId, e.Message);
            }
        }
    }

    /// <summary>Fences the node when its last completed heartbeat is older than <see cref="ClusterOptions.FenceAfter"/>.</summary>
    private async Task CheckFenceAsync()
    {
        if (Volatile.Read(ref _fenced) || time.GetElapsedTime(Volatile.Read(ref _lastBeatStarted)) < database.Options.FenceAfter)
        {
            return;
        }

        Volatile.Write(ref _fenced, true);
        var closed = await registry.FenceAsync(SessionCloseReason.ServerShutdown);
        logger.LogWarning("Node {NodeId} has not completed a cluster heartbeat for {Seconds} s: it closed its {Count} session(s) and admits none until the database answers again (the other nodes stop counting it after {Timeout} s)",
            database.NodeId, (int)database.Options.FenceAfter.TotalSeconds, closed, (int)database.Options.NodeTimeout.TotalSeconds);
    }

    /// <summary>
    /// Updates the heartbeat. If the row had to be inserted, another node declared this one dead and swept its
    /// session rows: write them again so the online list shows the sessions that are in fact still up.
    /// </summary>
    private async Task BeatAsync(CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var inserted = await database.QueryAsync(
            "INSERT INTO cluster_nodes (node_id, heartbeat_at) VALUES ($1, now()) ON CONFLICT (node_id) DO UPDATE SET heartbeat_at = now() RETURNING xmax = 0",
            p => p.AddWithValue(database.NodeId),
            r => r.GetBoolean(0),
            cancellationToken);
        if (inserted[0] && registry.All() is { Count: > 0 } local)
        {
            await ClusterSessionTable.InsertAsync(database, local, cancellationToken);
        }

        Volatile.Write(ref _lastBeatStarted, started);
        if (Volatile.Read(ref _fenced))
        {
            // A fence that raced this beat (it read the old time) stays until the next beat: late, never unsafe.
            Volatile.Write(ref _fenced, false);
            registry.Unfence();
            logger.LogInformation("Node {NodeId} completed a cluster heartbeat again; it admits sessions", database.NodeId);
        }
    }

    private async Task PurgeDeadNodesAsync(CancellationToken cancellationToken)
    {
        var dead = await database.QueryAsync(
            $"""
            WITH dead AS (DELETE FROM cluster_nodes WHERE heartbeat_at < now() - interval '{(int)database.Options.NodeTimeout.TotalSeconds} seconds' RETURNING node_id),
                 sessions AS (DELETE FROM cluster_sessions WHERE node_id IN (SELECT node_id FROM dead)),
                 leases AS (DELETE FROM client_ip_leases WHERE node_id IN (SELECT node_id FROM dead))
            SELECT node_id FROM dead
            """,
            _ => { },
            r => r.GetString(0),
            cancellationToken);
        foreach (var node in dead)
        {
            logger.LogWarning("Node {DeadNode} missed its heartbeats; its sessions and address leases were removed", node);
        }
    }

    /// <summary>Removes this node's rows that no local session backs (a deferred delete that was lost or dropped).</summary>
    private async Task ReconcileAsync(CancellationToken cancellationToken)
    {
        var live = registry.All().Select(s => s.SessionId).ToArray();
        await database.ExecuteAsync(
            """
            WITH sessions AS (DELETE FROM cluster_sessions WHERE node_id = $1 AND NOT (session_id = ANY($2)) AND registered_at < now() - $3)
            DELETE FROM client_ip_leases WHERE node_id = $1 AND NOT (session_id = ANY($2)) AND leased_at < now() - $3
            """,
            p =>
            {
                p.AddWithValue(database.NodeId);
                p.AddWithValue(live);
                p.AddWithValue(AdmissionGrace);
            },
            cancellationToken);
    }
}
