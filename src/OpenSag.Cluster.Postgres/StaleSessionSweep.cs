using OpenSag.Domain;
using OpenSag.Sessions;

namespace OpenSag.Cluster.Postgres;

/// <summary>
/// Closes this node's sessions that a revocation has made stale: the user's stored generation moved past the
/// session's, or the user is disabled, deleted or moved away. One query for all local users, returning only the
/// stale ones. This is what bounds a lost notification (a node whose listening connection was down) to one
/// heartbeat interval after the database is reachable again.
/// </summary>
public sealed class StaleSessionSweep(ClusterDatabase database, SessionRegistry registry)
{
    /// <summary>Returns how many sessions were closed.</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var users = registry.All()
            .GroupBy(s => (s.SmartAGId, s.UserName))
            .Select(g => (g.Key.SmartAGId, g.Key.UserName, Oldest: g.Min(s => s.SessionGeneration)))
            .ToArray();
        if (users.Length == 0)
        {
            return 0;
        }

        var stale = await database.QueryAsync(
            """
            SELECT l.smart_ag_id, l.user_name, u.session_generation, u.state
            FROM unnest($1::text[], $2::text[], $3::bigint[]) AS l (smart_ag_id, user_name, oldest)
            LEFT JOIN client_users u ON u.smart_ag_id = l.smart_ag_id AND u.user_name = l.user_name
            WHERE u.user_name IS NULL OR u.state <> $4 OR u.session_generation > l.oldest
            """,
            p =>
            {
                p.AddWithValue(users.Select(u => u.SmartAGId).ToArray());
                p.AddWithValue(users.Select(u => u.UserName).ToArray());
                p.AddWithValue(users.Select(u => u.Oldest).ToArray());
                p.AddWithValue((int)UserState.Enabled);
            },
            r => r.IsDBNull(2)
                ? new SessionRevocation(r.GetString(0), r.GetString(1), SessionRevocation.AllGenerations, SessionCloseReason.UserDeleted)
                : r.GetInt32(3) != (int)UserState.Enabled
                    ? new SessionRevocation(r.GetString(0), r.GetString(1), SessionRevocation.AllGenerations, SessionCloseReason.UserDisabled)
                    : new SessionRevocation(r.GetString(0), r.GetString(1), r.GetInt64(2), SessionCloseReason.KickedOut),
            cancellationToken);

        var closed = 0;
        foreach (var revocation in stale)
        {
            var closedNow = await registry.CloseStaleSessionsAsync(revocation.SmartAGId, revocation.UserName, revocation.Generation, revocation.Reason, cancellationToken);
            SessionMetrics.Closed(revocation.Reason, closedNow);
            closed += closedNow;
        }

        return closed;
    }
}
