using System.Text.Json;
using Microsoft.Extensions.Logging;
using OpenSag.Sessions;

namespace OpenSag.Cluster.Postgres;

/// <summary>
/// Announces a committed revocation with <c>pg_notify</c>, then waits until no other live node lists a session of the
/// user admitted under an older generation. Run outside a transaction, the notification is committed, and so queued
/// for every listening node, by the time it returns. PostgreSQL delivers it only to nodes listening right now; a node
/// that is not is repaired by its sweep (<see cref="StaleSessionSweep"/>) once it reaches the database again; one that
/// cannot reach it fences itself (<see cref="ClusterHeartbeat"/>) before its heartbeat row is
/// <see cref="ClusterOptions.NodeTimeout"/> old, and only then does the wait stop counting it. So the answer means the
/// user's old sessions are closed on every node, and in a partition it comes after up to
/// <see cref="ClusterOptions.NodeTimeout"/> (a warning names the nodes after <see cref="ClusterOptions.RevocationWarnAfter"/>).
/// </summary>
/// <remarks>
/// Why poll the session table rather than collect acknowledgements: the table is what a node's close path changes
/// (a session withdraws from its node's registry, where its packet state goes too, and then deletes its row), it
/// lists a session still in admission on another node (whose row is written before it is published, and which closes
/// itself on re-reading the generation), and it ignores nodes past their heartbeat timeout, whose rows the sweep
/// purges anyway. An acknowledgement would need each node to know which revocations it missed. One small indexed
/// query per poll (5, 10, 20, 40, then every 50 ms); a kick usually needs three or four.
/// </remarks>
public sealed class RevocationAnnouncer(ClusterDatabase database, TimeProvider time, ILogger<RevocationAnnouncer> logger) : ISessionRevocationAnnouncer
{
    /// <summary>
    /// The first re-read's delay, doubled up to <see cref="ClusterOptions.RevocationPollInterval"/>: another node closes
    /// within tens of milliseconds (README "Running several nodes"), so a first wait of the full 50 ms would add most
    /// of a poll interval to every kick's answer (measured: p50 93 ms with a fixed 50 ms).
    /// </summary>
    private static readonly TimeSpan FirstPoll = TimeSpan.FromMilliseconds(5);

    public async Task AnnounceAsync(SessionRevocation revocation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(revocation);
        await NotifyAsync(RevocationMessage.Write(database.NodeId, revocation), cancellationToken);
        await WaitUntilClosedAsync($"Revocation of {revocation.UserName} on {revocation.SmartAGId} ({revocation.Reason})",
            ct => StaleElsewhereAsync(revocation, ct), cancellationToken);
    }

    /// <summary>
    /// The revocation's pattern for one session: if another live node lists it, NOTIFY (a <see cref="RevocationMessage"/>
    /// naming the session, whose generation 0 makes a node that predates <see cref="RevocationMessage.SessionId"/> close
    /// nothing), then the same bounded wait until its row is gone.
    /// </summary>
    public async Task<bool> AnnounceDisconnectAsync(string smartAgId, string sessionId, CancellationToken cancellationToken)
    {
        if ((await HoldingElsewhereAsync(smartAgId, sessionId, cancellationToken)).Count == 0)
        {
            return false;
        }

        await NotifyAsync(RevocationMessage.WriteDisconnect(database.NodeId, smartAgId, sessionId), cancellationToken);
        await WaitUntilClosedAsync($"Disconnection of session {sessionId} on {smartAgId}", ct => HoldingElsewhereAsync(smartAgId, sessionId, ct), cancellationToken);
        return true;
    }

    /// <summary>Run outside a transaction: the notification is committed, and so queued for every listening node, on return.</summary>
    private Task<int> NotifyAsync(string payload, CancellationToken cancellationToken) =>
        database.ExecuteAsync(
            "SELECT pg_notify($1, $2)",
            p =>
            {
                p.AddWithValue(ClusterOptions.RevocationChannel);
                p.AddWithValue(payload);
            },
            cancellationToken);

    /// <summary>Polls <paramref name="holding"/> (the live nodes still listing what must close) until it is empty, within the bound above.</summary>
    private async Task WaitUntilClosedAsync(string what, Func<CancellationToken, Task<List<string>>> holding, CancellationToken cancellationToken)
    {
        var options = database.Options;
        var started = time.GetTimestamp();
        var delay = FirstPoll;
        List<string>? warned = null;
        while (true)
        {
            var nodes = await holding(cancellationToken);
            var waited = time.GetElapsedTime(started);
            if (nodes.Count == 0)
            {
                if (warned is not null)
                {
                    logger.LogWarning("{What}: answered after {Seconds:0.0} s, once node(s) {Nodes} had closed its sessions or missed heartbeats for {Timeout} s (and so fenced themselves)",
                        what, waited.TotalSeconds, string.Join(", ", warned), (int)options.NodeTimeout.TotalSeconds);
                }

                return;
            }

            if (warned is null && waited >= options.RevocationWarnAfter)
            {
                warned = nodes;
                logger.LogWarning("{What}: node(s) {Nodes} still list its sessions after {Seconds} s; waiting until they close them or count as dead ({Timeout} s without a heartbeat)",
                    what, string.Join(", ", nodes), (int)options.RevocationWarnAfter.TotalSeconds, (int)options.NodeTimeout.TotalSeconds);
            }

            // The query stops counting a node NodeTimeout after its last heartbeat by the database's clock, which is
            // at most NodeTimeout from now; past that (plus an interval of slack for the two clocks' rates), the
            // database's clock is wrong, and waiting longer would hold the admin call without bound.
            if (waited >= options.NodeTimeout + options.HeartbeatInterval)
            {
                logger.LogError("{What}: node(s) {Nodes} still count as live and list its sessions after {Seconds:0.0} s; answering anyway (check the database's clock)",
                    what, string.Join(", ", nodes), waited.TotalSeconds);
                return;
            }

            await Task.Delay(delay, time, cancellationToken);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, options.RevocationPollInterval.Ticks));
        }
    }

    /// <summary>The other live nodes that list this session of the instance (one at most).</summary>
    private Task<List<string>> HoldingElsewhereAsync(string smartAgId, string sessionId, CancellationToken cancellationToken) =>
        database.QueryAsync(
            $"""
            SELECT node_id FROM cluster_sessions
            WHERE session_id = $1 AND smart_ag_id = $2 AND node_id <> $3
              AND node_id IN (SELECT node_id FROM cluster_nodes WHERE heartbeat_at > now() - interval '{(int)database.Options.NodeTimeout.TotalSeconds} seconds')
            """,
            p =>
            {
                p.AddWithValue(sessionId);
                p.AddWithValue(smartAgId);
                p.AddWithValue(database.NodeId);
            },
            r => r.GetString(0),
            cancellationToken);

    /// <summary>The other live nodes that still list a session of the user admitted before the revocation.</summary>
    private Task<List<string>> StaleElsewhereAsync(SessionRevocation revocation, CancellationToken cancellationToken) =>
        database.QueryAsync(
            $"""
            SELECT DISTINCT node_id FROM cluster_sessions
            WHERE smart_ag_id = $1 AND user_name = $2 AND session_generation < $3 AND node_id <> $4
              AND node_id IN (SELECT node_id FROM cluster_nodes WHERE heartbeat_at > now() - interval '{(int)database.Options.NodeTimeout.TotalSeconds} seconds')
            ORDER BY node_id
            """,
            p =>
            {
                p.AddWithValue(revocation.SmartAGId);
                p.AddWithValue(revocation.UserName);
                p.AddWithValue(revocation.Generation);
                p.AddWithValue(database.NodeId);
            },
            r => r.GetString(0),
            cancellationToken);
}

/// <summary>The NOTIFY payload: small JSON, far below PostgreSQL's 8000-byte limit (ids and names are ≤ 64 chars).</summary>
/// <param name="SessionId">
/// Set for a disconnection: close that one session (of <paramref name="SmartAGId"/>) whatever its user and generation;
/// null for a revocation of the user's sessions below <paramref name="Generation"/>.
/// </param>
public sealed record RevocationMessage(string Node, string SmartAGId, string UserName, long Generation, SessionCloseReason Reason, string? SessionId = null)
{
    public static string Write(string node, SessionRevocation revocation) =>
        JsonSerializer.Serialize(new RevocationMessage(node, revocation.SmartAGId, revocation.UserName, revocation.Generation, revocation.Reason));

    /// <summary>A disconnection of one session; generation 0, below every session's, so an older reader closes nothing.</summary>
    public static string WriteDisconnect(string node, string smartAgId, string sessionId) =>
        JsonSerializer.Serialize(new RevocationMessage(node, smartAgId, "", 0, SessionCloseReason.Disconnected, sessionId));

    /// <summary>Null for a payload this build does not understand (a newer node's message): the sweep covers it.</summary>
    public static RevocationMessage? TryRead(string payload)
    {
        try
        {
            return JsonSerializer.Deserialize<RevocationMessage>(payload);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
