using NpgsqlTypes;
using OpenSag.Sessions;

namespace OpenSag.Cluster.Postgres;

/// <summary>
/// The cluster-wide online list: every node mirrors its registry into <c>cluster_sessions</c> and answers the API
/// from that table. Rows of a node whose heartbeat is older than the node timeout are ignored at once and deleted
/// by the next sweep of any node, so a crashed node's sessions leave the list without anyone's help.
/// </summary>
/// <remarks>
/// A row's bytes are written by its node's heartbeat (<see cref="WriteTrafficAsync"/>), not per packet: another node
/// shows them at most one heartbeat interval old (5 s by default, plus the time the beat takes). The node holding a
/// session answers from the same table, so every node gives the same answer.
/// </remarks>
public sealed class ClusterSessionTable(ClusterDatabase database, DeferredWrites deferred) : ISessionObserver, IOnlineSessionReader
{
    private const string Columns = "session_id, smart_ag_id, user_name, client_ip, online_since, peer_address, client_version, client_os, session_generation";

    private string LiveNodes => $"node_id IN (SELECT node_id FROM cluster_nodes WHERE heartbeat_at > now() - interval '{(int)database.Options.NodeTimeout.TotalSeconds} seconds')";

    public async ValueTask SessionOpenedAsync(OnlineSessionInfo session, CancellationToken cancellationToken) =>
        await InsertAsync(database, [session], cancellationToken);

    public void SessionClosed(OnlineSessionInfo session) =>
        deferred.Enqueue((db, ct) => db.ExecuteAsync("DELETE FROM cluster_sessions WHERE session_id = $1", p => p.AddWithValue(session.SessionId), ct));

    /// <summary>Writes rows for the sessions (again, when this node was declared dead and its rows were swept).</summary>
    public static Task InsertAsync(ClusterDatabase database, IReadOnlyList<OnlineSessionInfo> sessions, CancellationToken cancellationToken) =>
        database.ExecuteAsync(
            $"""
            INSERT INTO cluster_sessions (node_id, {Columns})
            SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::text[], $8::text[], $9::text[], $10::bigint[])
            ON CONFLICT (session_id) DO NOTHING
            """,
            p =>
            {
                p.AddWithValue(database.NodeId);
                p.AddWithValue(sessions.Select(s => s.SessionId).ToArray());
                p.AddWithValue(sessions.Select(s => s.SmartAGId).ToArray());
                p.AddWithValue(sessions.Select(s => s.UserName).ToArray());
                p.AddWithValue(sessions.Select(s => s.ClientIp).ToArray());
                p.Add(new() { Value = sessions.Select(s => s.OnlineSince.ToUniversalTime()).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
                p.AddWithValue(sessions.Select(s => s.PeerAddress).ToArray());
                p.AddWithValue(sessions.Select(s => s.ClientVersion).ToArray());
                p.AddWithValue(sessions.Select(s => s.ClientOs).ToArray());
                p.AddWithValue(sessions.Select(s => s.SessionGeneration).ToArray());
            },
            cancellationToken);

    public async Task<IReadOnlyList<OnlineSessionInfo>> ListByUserAsync(string smartAgId, string userName, CancellationToken cancellationToken) =>
        await database.QueryAsync(
            $"SELECT {Columns} FROM cluster_sessions WHERE smart_ag_id = $1 AND user_name = $2 AND {LiveNodes} ORDER BY online_since, session_id",
            p =>
            {
                p.AddWithValue(smartAgId);
                p.AddWithValue(userName);
            },
            ReadInfo,
            cancellationToken);

    public async Task<IReadOnlyList<OnlineSessionListing>> ListByInstanceAsync(string smartAgId, CancellationToken cancellationToken) =>
        await database.QueryAsync(
            $"""
            SELECT {Columns}, node_id, bytes_from_client, bytes_to_client FROM cluster_sessions
            WHERE smart_ag_id = $1 AND {LiveNodes} ORDER BY user_name, online_since, session_id
            """,
            p => p.AddWithValue(smartAgId),
            r => new OnlineSessionListing(ReadInfo(r), r.GetString(9), r.GetInt64(10), r.GetInt64(11)),
            cancellationToken);

    /// <summary>
    /// Copies this node's sessions' byte totals to their rows (one statement for all of them; a session whose row is
    /// gone is skipped). The heartbeat calls it every interval.
    /// </summary>
    public static Task WriteTrafficAsync(ClusterDatabase database, IReadOnlyList<OnlineSessionListing> sessions, CancellationToken cancellationToken) =>
        sessions.Count == 0
            ? Task.CompletedTask
            : database.ExecuteAsync(
                """
                UPDATE cluster_sessions AS c SET bytes_from_client = t.bytes_from_client, bytes_to_client = t.bytes_to_client
                FROM unnest($2::text[], $3::bigint[], $4::bigint[]) AS t (session_id, bytes_from_client, bytes_to_client)
                WHERE c.session_id = t.session_id AND c.node_id = $1
                  AND (c.bytes_from_client <> t.bytes_from_client OR c.bytes_to_client <> t.bytes_to_client)
                """,
                p =>
                {
                    p.AddWithValue(database.NodeId);
                    p.AddWithValue(sessions.Select(s => s.Session.SessionId).ToArray());
                    p.AddWithValue(sessions.Select(s => s.BytesFromClient).ToArray());
                    p.AddWithValue(sessions.Select(s => s.BytesToClient).ToArray());
                },
                cancellationToken);

    public Task<int> CountByUserAsync(string smartAgId, string userName, CancellationToken cancellationToken) =>
        CountAsync($"smart_ag_id = $1 AND user_name = $2 AND {LiveNodes}", [smartAgId, userName], cancellationToken);

    public Task<int> CountByInstanceAsync(string smartAgId, CancellationToken cancellationToken) =>
        CountAsync($"smart_ag_id = $1 AND {LiveNodes}", [smartAgId], cancellationToken);

    /// <summary>The session as <see cref="Columns"/> holds it, from a row that starts with them.</summary>
    private static OnlineSessionInfo ReadInfo(Npgsql.NpgsqlDataReader r) => new()
    {
        SessionId = r.GetString(0),
        SmartAGId = r.GetString(1),
        UserName = r.GetString(2),
        ClientIp = r.GetString(3),
        OnlineSince = r.GetFieldValue<DateTimeOffset>(4),
        PeerAddress = r.GetString(5),
        ClientVersion = r.GetString(6),
        ClientOs = r.GetString(7),
        SessionGeneration = r.GetInt64(8),
    };

    public Task<int> CountAllAsync(CancellationToken cancellationToken) => CountAsync(LiveNodes, [], cancellationToken);

    private async Task<int> CountAsync(string where, string[] values, CancellationToken cancellationToken)
    {
        var rows = await database.QueryAsync(
            "SELECT count(*) FROM cluster_sessions WHERE " + where,
            p =>
            {
                foreach (var value in values)
                {
                    p.AddWithValue(value);
                }
            },
            r => r.GetInt64(0),
            cancellationToken);
        return (int)rows[0];
    }
}
