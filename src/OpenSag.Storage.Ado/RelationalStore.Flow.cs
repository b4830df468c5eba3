using OpenSag.Domain;

namespace OpenSag.Storage.Ado;

public abstract partial class RelationalStore
{
    /// <summary>
    /// The engine's own: a flush of a busy gateway carries many rows, and each engine has its fastest way to upsert
    /// them (SQLite one prepared statement per row, PostgreSQL one statement over arrays).
    /// </summary>
    public abstract Task AddFlowAsync(IReadOnlyCollection<FlowTotal> deltas, CancellationToken cancellationToken);

    public async Task<IReadOnlyList<FlowTotal>> GetFlowAsync(string smartAgId, string month, IReadOnlyCollection<string> userNames, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(userNames);
        if (userNames.Count == 0)
        {
            return [];
        }

        await using var transaction = await BeginReadAsync(singleStatement: true, cancellationToken);
        var command = transaction.Command($"""
            SELECT {RowMapping.FlowColumns} FROM flow_totals
            WHERE smart_ag_id = @id AND month = @month AND {Dialect.InList("user_name", "names")}
            ORDER BY user_name
            """);
        command.Bind("id", smartAgId);
        command.Bind("month", month);
        Dialect.BindList(command, "names", userNames);
        return await ReadAllAsync(command, RowMapping.ReadFlow, cancellationToken);
    }
}
