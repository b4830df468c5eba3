using Microsoft.Data.Sqlite;
using OpenSag.Domain;
using static OpenSag.Storage.Sqlite.RowMapping;

namespace OpenSag.Storage.Sqlite;

/// <remarks>
/// Every write runs in one <c>BEGIN IMMEDIATE</c> transaction (<see cref="WriteQueue"/>), which holds SQLite's one write
/// lock from its start: the checks (default, in use, existence) and the write they allow cannot interleave with another
/// writer, so a region never has two defaults and a bound code is never deleted.
/// </remarks>
public sealed partial class SqliteStore
{
    private const string EnterpriseCodeFilterSql = """
        WHERE region_id = $region
          AND ($code IS NULL OR code = $code)
          AND ($isDefault IS NULL OR is_default = $isDefault)
        """;

    public Task<bool> TryAddEnterpriseCodeAsync(EnterpriseCode code, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(code);
        return WriteAsync(async (transaction, ct) =>
        {
            var command = transaction.Command($"""
                INSERT INTO enterprise_codes ({EnterpriseCodeColumns}) VALUES ($code, $region, $isDefault, $created)
                ON CONFLICT (code) DO NOTHING
                """);
            command.Parameters.AddWithValue("$code", code.Code);
            command.Parameters.AddWithValue("$region", code.RegionId);
            command.Parameters.AddWithValue("$isDefault", code.IsDefault);
            command.Parameters.AddWithValue("$created", ToUnixMilliseconds(code.CreatedAt));
            return await command.ExecuteNonQueryAsync(ct) == 1;
        }, cancellationToken);
    }

    public Task<EnterpriseCodeWriteResult> DeleteEnterpriseCodeAsync(string regionId, string code, CancellationToken cancellationToken) =>
        WriteAsync(async (transaction, ct) =>
        {
            var check = transaction.Command("""
                SELECT is_default, EXISTS (SELECT 1 FROM instances WHERE enterprise_code = $code)
                FROM enterprise_codes WHERE code = $code AND region_id = $region
                """);
            check.Parameters.AddWithValue("$code", code);
            check.Parameters.AddWithValue("$region", regionId);
            var state = await ReadFirstAsync(check, row => new Tuple<bool, bool>(row.GetBoolean(0), row.GetBoolean(1)), ct);
            var result = state switch
            {
                null => EnterpriseCodeWriteResult.NotFound,
                { Item1: true } => EnterpriseCodeWriteResult.IsDefault,
                { Item2: true } => EnterpriseCodeWriteResult.InUse,
                _ => EnterpriseCodeWriteResult.Done,
            };
            if (result == EnterpriseCodeWriteResult.Done)
            {
                var delete = transaction.Command("DELETE FROM enterprise_codes WHERE code = $code");
                delete.Parameters.AddWithValue("$code", code);
                await delete.ExecuteNonQueryAsync(ct);
            }

            return result;
        }, cancellationToken);

    public Task<EnterpriseCodeWriteResult> SetDefaultEnterpriseCodeAsync(string regionId, string code, bool isDefault, CancellationToken cancellationToken) =>
        WriteAsync(async (transaction, ct) =>
        {
            // The other default is cleared first: the one-default index is checked row by row, not at the end.
            if (isDefault)
            {
                var clear = transaction.Command("UPDATE enterprise_codes SET is_default = 0 WHERE region_id = $region AND is_default AND code <> $code");
                clear.Parameters.AddWithValue("$code", code);
                clear.Parameters.AddWithValue("$region", regionId);
                await clear.ExecuteNonQueryAsync(ct);
            }

            var command = transaction.Command("UPDATE enterprise_codes SET is_default = $isDefault WHERE region_id = $region AND code = $code");
            command.Parameters.AddWithValue("$code", code);
            command.Parameters.AddWithValue("$region", regionId);
            command.Parameters.AddWithValue("$isDefault", isDefault);
            await command.ExecuteNonQueryAsync(ct);
            return await EnterpriseCodeExistsAsync(transaction, regionId, code, ct) ? EnterpriseCodeWriteResult.Done : EnterpriseCodeWriteResult.NotFound;
        }, cancellationToken, keep: result => result == EnterpriseCodeWriteResult.Done);

    public Task<EnterpriseCodeWriteResult> BindEnterpriseCodeAsync(string regionId, string smartAgId, string code, CancellationToken cancellationToken) =>
        WriteAsync(async (transaction, ct) =>
        {
            if (!await EnterpriseCodeExistsAsync(transaction, regionId, code, ct))
            {
                return EnterpriseCodeWriteResult.NotFound;
            }

            var bind = transaction.Command("UPDATE instances SET enterprise_code = $code WHERE smart_ag_id = $id AND region_id = $region");
            bind.Parameters.AddWithValue("$code", code);
            bind.Parameters.AddWithValue("$id", smartAgId);
            bind.Parameters.AddWithValue("$region", regionId);
            return await bind.ExecuteNonQueryAsync(ct) == 1 ? EnterpriseCodeWriteResult.Done : EnterpriseCodeWriteResult.InstanceNotFound;
        }, cancellationToken);

    public async Task<(IReadOnlyList<EnterpriseCode> Items, int TotalCount)> ListEnterpriseCodesAsync(EnterpriseCodeFilter filter, string? after, int limit,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        await using var transaction = await BeginReadAsync(cancellationToken);
        var count = transaction.Command($"SELECT count(*) FROM enterprise_codes {EnterpriseCodeFilterSql}");
        AddEnterpriseCodeFilter(count, filter);
        var total = await ReadCountAsync(count, cancellationToken);

        // TEXT compares with SQLite's BINARY collation: byte order, the order the PostgreSQL store gives too.
        var select = transaction.Command($"""
            SELECT {EnterpriseCodeColumns} FROM enterprise_codes {EnterpriseCodeFilterSql} AND ($after IS NULL OR code > $after)
            ORDER BY code LIMIT $limit
            """);
        AddEnterpriseCodeFilter(select, filter);
        select.Parameters.AddWithValue("$after", (object?)after ?? DBNull.Value);
        select.Parameters.AddWithValue("$limit", limit);
        return (await ReadAllAsync(select, ReadEnterpriseCode, cancellationToken), checked((int)total));
    }

    private static async Task<bool> EnterpriseCodeExistsAsync(DatabaseTransaction transaction, string regionId, string code, CancellationToken cancellationToken)
    {
        var command = transaction.Command("SELECT count(*) FROM enterprise_codes WHERE code = $code AND region_id = $region");
        command.Parameters.AddWithValue("$code", code);
        command.Parameters.AddWithValue("$region", regionId);
        return await ReadCountAsync(command, cancellationToken) > 0;
    }

    private static void AddEnterpriseCodeFilter(SqliteCommand command, EnterpriseCodeFilter filter)
    {
        command.Parameters.AddWithValue("$region", filter.RegionId);
        command.Parameters.AddWithValue("$code", (object?)filter.Code ?? DBNull.Value);
        command.Parameters.AddWithValue("$isDefault", (object?)filter.IsDefault ?? DBNull.Value);
    }
}
