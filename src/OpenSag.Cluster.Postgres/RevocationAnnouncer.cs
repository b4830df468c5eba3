using System.Text.Json;
using Microsoft.Extensions.Logging;
using OpenSag.Sessions;

namespace OpenSag.Cluster.Postgres;

/// <summary>
/// Announces a committed revocation with <c>pg_notify</c>, then waits until no other live node lists a session of the
/// user admitted under an older generation. Run outside a transaction, the notification is committed, and so queued
/// for every listening node, by the time it returns. PostgreSQL delivers it only to nodes listening right now; a node
/// that is not is repaired by its sweep (<see cref="StaleSessionSweep"/>), and the wait gives up on it after
/// <see cref="ClusterOptions.RevocationWait"/>.
/// </summary>
/// <remarks>
/// Why poll the session table rather than collect acknowledgements: the table is what a node's close path changes
/// (a session withdraws from its node's registry, where its packet state goes too, and then deletes its row), it
/// lists a session still in admission on another node (whose row is written before it is published, and which closes
/// itself on re-reading the generation), and it ignores nodes past their heartbeat timeout, whose rows the sweep
/// purges anyway. An acknowledgement would need each node to know which revocations it missed. One indexed query per
/// <see cref="ClusterOptions.RevocationPollInterval"/>; a kick usually needs one or two.
/// </remarks>
public sealed class RevocationAnnouncer(ClusterDatabase database, TimeProvider time, ILogger<RevocationAnnouncer> logger) : ISessionRevocationAnnouncer
{
    public async Task AnnounceAsync(SessionRevocation revocation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(revocation);
        await database.ExecuteAsync(
            "SELECT pg_notify($1, $2)",
            p =>
            {
                p.AddWithValue(ClusterOptions.RevocationChannel);
                p.AddWithValue(RevocationMessage.Write(database.NodeId, revocation));
            },
            cancellationToken);

        var deadline = time.GetTimestamp() + (long)(database.Options.RevocationWait.TotalSeconds * time.TimestampFrequency);
        while (true)
        {
            var holding = await StaleElsewhereAsync(revocation, cancellationToken);
            if (holding.Count == 0)
            {
                return;
            }

            if (time.GetTimestamp() >= deadline)
            {
                logger.LogWarning("Revocation of {UserName} on {SmartAGId} ({Reason}): node(s) {Nodes} still list its sessions after {Seconds} s; their sweep closes them",
                    revocation.UserName, revocation.SmartAGId, revocation.Reason, string.Join(", ", holding), database.Options.RevocationWait.TotalSeconds);
                return;
            }

            await Task.Delay(database.Options.RevocationPollInterval, time, cancellationToken);
        }
    }

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
public sealed record RevocationMessage(string Node, string SmartAGId, string UserName, long Generation, SessionCloseReason Reason)
{
    public static string Write(string node, SessionRevocation revocation) =>
        JsonSerializer.Serialize(new RevocationMessage(node, revocation.SmartAGId, revocation.UserName, revocation.Generation, revocation.Reason));

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
