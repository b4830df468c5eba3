using Microsoft.Data.Sqlite;
using OpenSag.Domain;

namespace OpenSag.Storage.Sqlite;

/// <summary>Column lists and row readers of the enterprise-code and ClientToken tables (schema version 3).</summary>
internal static partial class RowMapping
{
    public const string EnterpriseCodeColumns = "code, region_id, is_default, created_at_ms";

    public const string ClientTokenCallColumns = "fingerprint, claimed_at_ms, request_id, answer_json, answer_xml";

    public static EnterpriseCode ReadEnterpriseCode(SqliteDataReader row) => new()
    {
        Code = row.GetString(0),
        RegionId = row.GetString(1),
        IsDefault = row.GetBoolean(2),
        CreatedAt = FromUnixMilliseconds(row.GetInt64(3)),
    };

    /// <summary>A call with its answer, or none while request_id is NULL (claimed, not yet answered).</summary>
    public static ClientTokenCall ReadClientTokenCall(SqliteDataReader row) => new(
        Fingerprint: row.GetString(0),
        ClaimedAt: FromUnixMilliseconds(row.GetInt64(1)),
        Answer: row.IsDBNull(2) ? null : new ClientTokenAnswer(row.GetString(2), (byte[])row.GetValue(3), (byte[])row.GetValue(4)));
}
