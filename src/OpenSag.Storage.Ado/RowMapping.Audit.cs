using System.Data.Common;
using OpenSag.Domain;

namespace OpenSag.Storage.Ado;

/// <summary>The audit log (schema version 4).</summary>
public sealed partial class RowMapping
{
    /// <summary>Every column but the id, in <see cref="AuditEntry"/>'s order: what an append writes.</summary>
    public string AuditValueColumns =>
        $"{_dialect.Instant("recorded_at")}, access_key_id, source_address, channel, action, region_id, smart_ag_id, target, outcome, detail";

    /// <summary>The id, then <see cref="AuditValueColumns"/>: what <see cref="ReadAuditEntry"/> reads.</summary>
    public string AuditColumns => "id, " + AuditValueColumns;

    public AuditEntry ReadAuditEntry(DbDataReader row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return new(
            Id: row.GetInt64(0),
            Time: _dialect.ReadInstant(row, 1),
            AccessKeyId: row.GetString(2),
            SourceAddress: row.GetString(3),
            Channel: row.GetString(4),
            Action: row.GetString(5),
            RegionId: row.GetString(6),
            SmartAGId: row.GetString(7),
            Target: row.GetString(8),
            Outcome: row.GetString(9),
            Detail: row.GetString(10));
    }
}
