using Npgsql;
using OpenSag.Domain;

namespace OpenSag.Storage.Postgres;

/// <summary>Column lists and row readers of the enterprise-code and ClientToken tables (schema version 3).</summary>
internal static partial class RowMapping
{
    public const string EnterpriseCodeColumns = "code, region_id, is_default, created_at";

    public const string ClientTokenCallColumns = "fingerprint, claimed_at, request_id, answer_json, answer_xml";

    public static EnterpriseCode ReadEnterpriseCode(NpgsqlDataReader row) => new()
    {
        Code = row.GetString(0),
        RegionId = row.GetString(1),
        IsDefault = row.GetBoolean(2),
        CreatedAt = ReadTimestamp(row, 3),
    };

    /// <summary>A call with its answer, or none while request_id is NULL (claimed, not yet answered).</summary>
    public static ClientTokenCall ReadClientTokenCall(NpgsqlDataReader row) => new(
        Fingerprint: row.GetString(0),
        ClaimedAt: ReadTimestamp(row, 1),
        Answer: row.IsDBNull(2) ? null : new ClientTokenAnswer(row.GetString(2), row.GetFieldValue<byte[]>(3), row.GetFieldValue<byte[]>(4)));
}
