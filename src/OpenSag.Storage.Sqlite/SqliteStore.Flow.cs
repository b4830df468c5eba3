using Microsoft.Data.Sqlite;
using OpenSag.Domain;
using OpenSag.Storage.Ado;

namespace OpenSag.Storage.Sqlite;

public sealed partial class SqliteStore
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
            var command = (SqliteCommand)transaction.Command($"""
                INSERT INTO flow_totals ({RowMapping.FlowColumns}) VALUES (@id, @name, @month, @in, @out)
                ON CONFLICT (smart_ag_id, user_name, month)
                DO UPDATE SET bytes_in = bytes_in + excluded.bytes_in, bytes_out = bytes_out + excluded.bytes_out
                """);
            var id = command.Parameters.Add("id", SqliteType.Text);
            var name = command.Parameters.Add("name", SqliteType.Text);
            var month = command.Parameters.Add("month", SqliteType.Text);
            var bytesIn = command.Parameters.Add("in", SqliteType.Integer);
            var bytesOut = command.Parameters.Add("out", SqliteType.Integer);
            // One statement prepared once and re-bound per row: a flush of a busy gateway carries many rows.
            foreach (var delta in deltas)
            {
                id.Value = delta.SmartAGId;
                name.Value = delta.UserName;
                month.Value = delta.Month;
                bytesIn.Value = delta.BytesIn;
                bytesOut.Value = delta.BytesOut;
                await command.ExecuteNonQueryAsync(ct);
            }

            return deltas.Count;
        }, cancellationToken);
    }
}
