using OpenSag.Domain;
using OpenSag.Storage.Ado;

namespace OpenSag.Storage.Postgres;

public sealed partial class PostgresStore
{
    public override Task AddFlowAsync(IReadOnlyCollection<FlowTotal> deltas, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deltas);
        if (deltas.Count == 0)
        {
            return Task.CompletedTask;
        }

        return WriteAsync(async (transaction, ct) =>
        {
            // The whole batch is one statement: five parallel arrays, unnested into rows. They are summed per key first
            // because ON CONFLICT DO UPDATE refuses to touch one row twice in a statement, and a batch may name a user
            // twice. Rows go in key order so that two nodes flushing overlapping users lock them in the same order and
            // cannot deadlock.
            var command = transaction.Command($"""
                INSERT INTO flow_totals ({RowMapping.FlowColumns})
                SELECT id, name, month, sum(bytes_in)::bigint, sum(bytes_out)::bigint
                FROM unnest(@ids, @names, @months, @in, @out) AS d (id, name, month, bytes_in, bytes_out)
                GROUP BY id, name, month
                ORDER BY id, name, month
                ON CONFLICT (smart_ag_id, user_name, month)
                DO UPDATE SET bytes_in = flow_totals.bytes_in + excluded.bytes_in,
                              bytes_out = flow_totals.bytes_out + excluded.bytes_out
                """);
            command.Bind("ids", deltas.Select(d => d.SmartAGId).ToArray());
            command.Bind("names", deltas.Select(d => d.UserName).ToArray());
            command.Bind("months", deltas.Select(d => d.Month).ToArray());
            command.Bind("in", deltas.Select(d => d.BytesIn).ToArray());
            command.Bind("out", deltas.Select(d => d.BytesOut).ToArray());
            return await command.ExecuteNonQueryAsync(ct);
        }, cancellationToken);
    }
}
