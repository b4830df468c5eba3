using Microsoft.Data.Sqlite;
using OpenSag.Domain;
using static OpenSag.Storage.Sqlite.RowMapping;

namespace OpenSag.Storage.Sqlite;

public sealed partial class SqliteStore
{
    public Task AddFlowAsync(IReadOnlyCollection<FlowTotal> deltas, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deltas);
        if (deltas.Count == 0)
        {
            return Task.CompletedTask;
        }

        return WriteAsync(async (transaction, ct) =>
        {
            var command = transaction.Command($"""
                INSERT INTO flow_totals ({FlowColumns}) VALUES ($id, $name, $month, $in, $out)
                ON CONFLICT (smart_ag_id, user_name, month)
                DO UPDATE SET bytes_in = bytes_in + excluded.bytes_in, bytes_out = bytes_out + excluded.bytes_out
                """);
            var id = command.Parameters.Add("$id", SqliteType.Text);
            var name = command.Parameters.Add("$name", SqliteType.Text);
            var month = command.Parameters.Add("$month", SqliteType.Text);
            var bytesIn = command.Parameters.Add("$in", SqliteType.Integer);
            var bytesOut = command.Parameters.Add("$out", SqliteType.Integer);
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
        }, cancellationToken);
    }

    public async Task<IReadOnlyList<FlowTotal>> GetFlowAsync(string smartAgId, string month, IReadOnlyCollection<string> userNames, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(userNames);
        if (userNames.Count == 0)
        {
            return [];
        }

        await using var transaction = await BeginSingleReadAsync(cancellationToken);
        var command = transaction.Command($"""
            SELECT {FlowColumns} FROM flow_totals
            WHERE smart_ag_id = $id AND month = $month AND user_name IN (SELECT value FROM json_each($names))
            ORDER BY user_name
            """);
        command.Parameters.AddWithValue("$id", smartAgId);
        command.Parameters.AddWithValue("$month", month);
        command.Parameters.AddWithValue("$names", ToJson(userNames));
        return await ReadAllAsync(command, ReadFlow, cancellationToken);
    }
}
