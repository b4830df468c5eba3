using OpenSag.Domain;
using static OpenSag.Storage.Postgres.RowMapping;

namespace OpenSag.Storage.Postgres;

public sealed partial class PostgresStore
{
    public async Task AddFlowAsync(IReadOnlyCollection<FlowTotal> deltas, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deltas);
        if (deltas.Count == 0)
        {
            return;
        }

        await using var transaction = await BeginWriteAsync(cancellationToken);
        // The whole batch is one statement: five parallel arrays, unnested into rows. They are summed per key first
        // because ON CONFLICT DO UPDATE refuses to touch one row twice in a statement, and a batch may name a user
        // twice. Rows go in key order so that two nodes flushing overlapping users lock them in the same order and
        // cannot deadlock.
        await using var command = transaction.Command($"""
            INSERT INTO flow_totals ({FlowColumns})
            SELECT id, name, month, sum(bytes_in)::bigint, sum(bytes_out)::bigint
            FROM unnest(@ids, @names, @months, @in, @out) AS d (id, name, month, bytes_in, bytes_out)
            GROUP BY id, name, month
            ORDER BY id, name, month
            ON CONFLICT (smart_ag_id, user_name, month)
            DO UPDATE SET bytes_in = flow_totals.bytes_in + excluded.bytes_in,
                          bytes_out = flow_totals.bytes_out + excluded.bytes_out
            """);
        command.Parameters.AddWithValue("ids", deltas.Select(d => d.SmartAGId).ToArray());
        command.Parameters.AddWithValue("names", deltas.Select(d => d.UserName).ToArray());
        command.Parameters.AddWithValue("months", deltas.Select(d => d.Month).ToArray());
        command.Parameters.AddWithValue("in", deltas.Select(d => d.BytesIn).ToArray());
        command.Parameters.AddWithValue("out", deltas.Select(d => d.BytesOut).ToArray());
        await command.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<FlowTotal>> GetFlowAsync(string smartAgId, string month, IReadOnlyCollection<string> userNames, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(userNames);
        if (userNames.Count == 0)
        {
            return [];
        }

        await using var transaction = await BeginReadAsync(cancellationToken);
        await using var command = transaction.Command($"""
            SELECT {FlowColumns} FROM flow_totals
            WHERE smart_ag_id = @id AND month = @month AND user_name = ANY (@names)
            ORDER BY user_name
            """);
        command.Parameters.AddWithValue("id", smartAgId);
        command.Parameters.AddWithValue("month", month);
        command.Parameters.AddWithValue("names", ToArray(userNames));
        return await ReadAllAsync(command, ReadFlow, cancellationToken);
    }
}
