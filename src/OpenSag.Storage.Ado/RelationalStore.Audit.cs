using System.Data.Common;
using System.Text;
using OpenSag.Domain;

namespace OpenSag.Storage.Ado;

/// <remarks>
/// The audit log is append-only but for pruning by age. Ids come from the engine (SQLite's AUTOINCREMENT, PostgreSQL's
/// identity), which only grow, so listing newest first is ordering by id, descending, and needs no tie-break on time.
/// A filter left null adds no condition, so each query names only the columns it filters on.
/// </remarks>
public abstract partial class RelationalStore
{
    public Task<AuditEntry> AppendAuditAsync(AuditEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return WriteAsync(async (transaction, ct) =>
        {
            var insert = transaction.Command($"""
                INSERT INTO audit_log ({Rows.AuditValueColumns})
                VALUES (@time, @key, @source, @channel, @action, @region, @smartAgId, @target, @outcome, @detail)
                RETURNING id
                """);
            insert.Bind("time", Dialect.ToInstant(entry.Time));
            insert.Bind("key", entry.AccessKeyId);
            insert.Bind("source", entry.SourceAddress);
            insert.Bind("channel", entry.Channel);
            insert.Bind("action", entry.Action);
            insert.Bind("region", entry.RegionId);
            insert.Bind("smartAgId", entry.SmartAGId);
            insert.Bind("target", entry.Target);
            insert.Bind("outcome", entry.Outcome);
            insert.Bind("detail", entry.Detail);
            var id = Convert.ToInt64(await insert.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
            return entry with { Id = id, Time = DateTimeOffset.FromUnixTimeMilliseconds(entry.Time.ToUnixTimeMilliseconds()) };
        }, cancellationToken);
    }

    public Task<Page<AuditEntry>> ListAuditAsync(AuditQuery query, int pageNumber, int pageSize, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var where = new StringBuilder("FROM audit_log WHERE 1 = 1");
        var binds = new List<Action<DbCommand>>();
        Filter(where, binds, "access_key_id", "key", query.AccessKeyId);
        Filter(where, binds, "action", "action", query.Action);
        Filter(where, binds, "smart_ag_id", "smartAgId", query.SmartAGId);
        Filter(where, binds, "target", "target", query.Target);
        if (query.Since is { } since)
        {
            where.Append($" AND {Dialect.Instant("recorded_at")} >= @since");
            binds.Add(c => c.Bind("since", Dialect.ToInstant(since)));
        }

        if (query.Until is { } until)
        {
            where.Append($" AND {Dialect.Instant("recorded_at")} < @until");
            binds.Add(c => c.Bind("until", Dialect.ToInstant(until)));
        }

        return ReadPageAsync(Rows.AuditColumns, where.ToString(), "id DESC", command => binds.ForEach(bind => bind(command)),
            Rows.ReadAuditEntry, pageNumber, pageSize, cancellationToken);

        static void Filter(StringBuilder where, List<Action<DbCommand>> binds, string column, string parameter, string? value)
        {
            if (value is not null)
            {
                where.Append($" AND {column} = @{parameter}");
                binds.Add(c => c.Bind(parameter, value));
            }
        }
    }

    public Task<int> PruneAuditAsync(DateTimeOffset before, CancellationToken cancellationToken) =>
        WriteAsync(async (transaction, ct) =>
        {
            var delete = transaction.Command($"DELETE FROM audit_log WHERE {Dialect.Instant("recorded_at")} < @before");
            delete.Bind("before", Dialect.ToInstant(before));
            return await delete.ExecuteNonQueryAsync(ct);
        }, cancellationToken);
}
