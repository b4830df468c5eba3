using System.Data.Common;
using OpenSag.Domain;

namespace OpenSag.Storage.Ado;

/// <summary>The enterprise-code and ClientToken tables (schema version 3).</summary>
public sealed partial class RowMapping
{
    public string EnterpriseCodeColumns { get; }

    public string ClientTokenCallColumns { get; }

    public EnterpriseCode ReadEnterpriseCode(DbDataReader row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return new()
        {
            Code = row.GetString(0),
            RegionId = row.GetString(1),
            IsDefault = row.GetBoolean(2),
            CreatedAt = _dialect.ReadInstant(row, 3),
        };
    }

    /// <summary>A call with its answer, or none while request_id is NULL (claimed, not yet answered).</summary>
    public ClientTokenCall ReadClientTokenCall(DbDataReader row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return new(
            Fingerprint: row.GetString(0),
            ClaimedAt: _dialect.ReadInstant(row, 1),
            Answer: row.IsDBNull(2) ? null : new ClientTokenAnswer(row.GetString(2), (byte[])row.GetValue(3), (byte[])row.GetValue(4)));
    }
}
