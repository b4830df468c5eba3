using System.Data;
using System.Data.Common;
using OpenSag.Domain;

namespace OpenSag.Storage.Ado;

/// <remarks>
/// Concurrency (PostgreSQL's READ COMMITTED; SQLite's write transactions exclude each other anyway): a delete takes
/// its code's row lock before checking default and use, and a binding takes the same lock before writing the
/// instance, so the second of the two sees the first's outcome: a bound code is never deleted, a deleted code never
/// bound. Setting a default takes the lock of every code of the region, in code order (so two such writes cannot
/// deadlock), which serializes the region's defaults; the one-default unique index backs that up.
/// </remarks>
public abstract partial class RelationalStore
{
    public Task<bool> TryAddEnterpriseCodeAsync(EnterpriseCode code, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(code);
        return WriteAsync(async (transaction, ct) =>
        {
            var command = transaction.Command($"""
                INSERT INTO enterprise_codes ({Rows.EnterpriseCodeColumns}) VALUES (@code, @region, @isDefault, @created)
                ON CONFLICT (code) DO NOTHING
                """);
            command.Bind("code", code.Code);
            command.Bind("region", code.RegionId);
            command.Bind("isDefault", code.IsDefault);
            command.Bind("created", Dialect.ToInstant(code.CreatedAt));
            return await command.ExecuteNonQueryAsync(ct) == 1;
        }, cancellationToken);
    }

    public Task<EnterpriseCodeWriteResult> DeleteEnterpriseCodeAsync(string regionId, string code, CancellationToken cancellationToken) =>
        WriteAsync(async (transaction, ct) =>
        {
            var lockCode = transaction.Command($"SELECT is_default FROM enterprise_codes WHERE code = @code AND region_id = @region {Dialect.ForUpdate}");
            lockCode.Bind("code", code);
            lockCode.Bind("region", regionId);
            var stored = await ReadFirstAsync(lockCode, row => (object)row.GetBoolean(0), ct);
            if (stored is not bool isDefault)
            {
                return EnterpriseCodeWriteResult.NotFound;
            }

            if (isDefault)
            {
                return EnterpriseCodeWriteResult.IsDefault;
            }

            var inUse = transaction.Command("SELECT count(*) FROM instances WHERE enterprise_code = @code");
            inUse.Bind("code", code);
            if (await ReadCountAsync(inUse, ct) > 0)
            {
                return EnterpriseCodeWriteResult.InUse;
            }

            var delete = transaction.Command("DELETE FROM enterprise_codes WHERE code = @code");
            delete.Bind("code", code);
            await delete.ExecuteNonQueryAsync(ct);
            return EnterpriseCodeWriteResult.Done;
        }, keep: result => result == EnterpriseCodeWriteResult.Done, cancellationToken);

    public Task<EnterpriseCodeWriteResult> SetDefaultEnterpriseCodeAsync(string regionId, string code, bool isDefault, CancellationToken cancellationToken) =>
        WriteAsync(async (transaction, ct) =>
        {
            var lockRegion = transaction.Command($"SELECT code FROM enterprise_codes WHERE region_id = @region ORDER BY code {Dialect.ForUpdate}");
            lockRegion.Bind("region", regionId);
            if (!(await ReadAllAsync(lockRegion, row => row.GetString(0), ct)).Contains(code, StringComparer.Ordinal))
            {
                return EnterpriseCodeWriteResult.NotFound;
            }

            // The other default is cleared first: the one-default index is checked row by row, not at the end.
            if (isDefault)
            {
                var clear = transaction.Command("UPDATE enterprise_codes SET is_default = @false WHERE region_id = @region AND is_default = @true AND code <> @code");
                clear.Bind("region", regionId);
                clear.Bind("code", code);
                clear.Bind("true", true);
                clear.Bind("false", false);
                await clear.ExecuteNonQueryAsync(ct);
            }

            var set = transaction.Command("UPDATE enterprise_codes SET is_default = @isDefault WHERE region_id = @region AND code = @code");
            set.Bind("region", regionId);
            set.Bind("code", code);
            set.Bind("isDefault", isDefault);
            await set.ExecuteNonQueryAsync(ct);
            return EnterpriseCodeWriteResult.Done;
        }, keep: result => result == EnterpriseCodeWriteResult.Done, cancellationToken);

    public Task<EnterpriseCodeWriteResult> BindEnterpriseCodeAsync(string regionId, string smartAgId, string code, CancellationToken cancellationToken) =>
        WriteAsync(async (transaction, ct) =>
        {
            var lockCode = transaction.Command($"SELECT 1 FROM enterprise_codes WHERE code = @code AND region_id = @region {Dialect.ForUpdate}");
            lockCode.Bind("code", code);
            lockCode.Bind("region", regionId);
            if (await lockCode.ExecuteScalarAsync(ct) is null)
            {
                return EnterpriseCodeWriteResult.NotFound;
            }

            var bind = transaction.Command("UPDATE instances SET enterprise_code = @code WHERE smart_ag_id = @id AND region_id = @region");
            bind.Bind("code", code);
            bind.Bind("id", smartAgId);
            bind.Bind("region", regionId);
            return await bind.ExecuteNonQueryAsync(ct) == 1 ? EnterpriseCodeWriteResult.Done : EnterpriseCodeWriteResult.InstanceNotFound;
        }, keep: result => result == EnterpriseCodeWriteResult.Done, cancellationToken);

    public async Task<(IReadOnlyList<EnterpriseCode> Items, int TotalCount)> ListEnterpriseCodesAsync(EnterpriseCodeFilter filter, string? after, int limit,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        const string FromWhere = """
            FROM enterprise_codes
            WHERE region_id = @region AND (@code IS NULL OR code = @code) AND (@isDefault IS NULL OR is_default = @isDefault)
            """;
        await using var transaction = await BeginReadAsync(singleStatement: false, cancellationToken);
        var count = transaction.Command($"SELECT count(*) {FromWhere}");
        BindEnterpriseCodeFilter(count, filter);
        var total = await ReadCountAsync(count, cancellationToken);

        // Codes compare byte for byte on both engines (SQLite's BINARY, PostgreSQL's COLLATE "C" column), so pages
        // follow one order whatever the server's locale, and "after" is a position that survives inserts and deletes.
        var select = transaction.Command($"""
            SELECT {Rows.EnterpriseCodeColumns} {FromWhere} AND (@after IS NULL OR code > @after)
            ORDER BY code LIMIT @limit
            """);
        BindEnterpriseCodeFilter(select, filter);
        select.BindOptional("after", DbType.String, after);
        select.Bind("limit", (long)limit);
        return (await ReadAllAsync(select, Rows.ReadEnterpriseCode, cancellationToken), checked((int)total));
    }

    private static void BindEnterpriseCodeFilter(DbCommand command, EnterpriseCodeFilter filter)
    {
        command.Bind("region", filter.RegionId);
        command.BindOptional("code", DbType.String, filter.Code);
        command.BindOptional("isDefault", DbType.Boolean, filter.IsDefault);
    }
}
