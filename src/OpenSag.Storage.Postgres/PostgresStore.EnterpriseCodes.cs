using Npgsql;
using NpgsqlTypes;
using OpenSag.Domain;
using static OpenSag.Storage.Postgres.RowMapping;

namespace OpenSag.Storage.Postgres;

/// <remarks>
/// Concurrency, in READ COMMITTED transactions (each statement after a lock sees everything committed before it):
/// a delete takes its code's row FOR UPDATE before checking default and use; a binding takes the code's row FOR
/// SHARE before writing the instance, so a delete and a binding of one code queue on that row and the second sees
/// the first's outcome (a bound code is never deleted, a deleted code never bound). Setting a default takes every
/// code row of the region FOR UPDATE, in code order (so two such writes cannot deadlock), which serializes the
/// region's defaults: two codes never become default at once. The partial unique index backs that up.
/// </remarks>
public sealed partial class PostgresStore
{
    private const string EnterpriseCodeFilterSql = """
        WHERE region_id = @region
          AND (@code::text IS NULL OR code = @code)
          AND (@isDefault::boolean IS NULL OR is_default = @isDefault)
        """;

    public async Task<bool> TryAddEnterpriseCodeAsync(EnterpriseCode code, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(code);
        await using var transaction = await BeginWriteAsync(cancellationToken);
        await using var command = transaction.Command($"""
            INSERT INTO enterprise_codes ({EnterpriseCodeColumns}) VALUES (@code, @region, @isDefault, @created)
            ON CONFLICT (code) DO NOTHING
            """);
        command.Parameters.AddWithValue("code", code.Code);
        command.Parameters.AddWithValue("region", code.RegionId);
        command.Parameters.AddWithValue("isDefault", code.IsDefault);
        command.Parameters.AddWithValue("created", ToTimestamp(code.CreatedAt));
        var added = await command.ExecuteNonQueryAsync(cancellationToken) == 1;
        await transaction.CommitAsync(cancellationToken);
        return added;
    }

    public async Task<EnterpriseCodeWriteResult> DeleteEnterpriseCodeAsync(string regionId, string code, CancellationToken cancellationToken)
    {
        await using var transaction = await BeginWriteAsync(cancellationToken);
        bool isDefault;
        await using (var lockCode = transaction.Command("SELECT is_default FROM enterprise_codes WHERE code = @code AND region_id = @region FOR UPDATE"))
        {
            lockCode.Parameters.AddWithValue("code", code);
            lockCode.Parameters.AddWithValue("region", regionId);
            if (await lockCode.ExecuteScalarAsync(cancellationToken) is not bool stored)
            {
                return EnterpriseCodeWriteResult.NotFound;
            }

            isDefault = stored;
        }

        if (isDefault)
        {
            return EnterpriseCodeWriteResult.IsDefault;
        }

        await using (var inUse = transaction.Command("SELECT EXISTS (SELECT 1 FROM instances WHERE enterprise_code = @code)"))
        {
            inUse.Parameters.AddWithValue("code", code);
            if ((bool)(await inUse.ExecuteScalarAsync(cancellationToken))!)
            {
                return EnterpriseCodeWriteResult.InUse;
            }
        }

        await using var delete = transaction.Command("DELETE FROM enterprise_codes WHERE code = @code");
        delete.Parameters.AddWithValue("code", code);
        await delete.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return EnterpriseCodeWriteResult.Done;
    }

    public async Task<EnterpriseCodeWriteResult> SetDefaultEnterpriseCodeAsync(string regionId, string code, bool isDefault, CancellationToken cancellationToken)
    {
        await using var transaction = await BeginWriteAsync(cancellationToken);
        await using (var lockRegion = transaction.Command("SELECT code FROM enterprise_codes WHERE region_id = @region ORDER BY code FOR UPDATE"))
        {
            lockRegion.Parameters.AddWithValue("region", regionId);
            var codes = await ReadAllAsync(lockRegion, row => row.GetString(0), cancellationToken);
            if (!codes.Contains(code, StringComparer.Ordinal))
            {
                return EnterpriseCodeWriteResult.NotFound;
            }
        }

        // The other default is cleared first: the one-default index is checked row by row, not at the end.
        if (isDefault)
        {
            await using var clear = transaction.Command("UPDATE enterprise_codes SET is_default = false WHERE region_id = @region AND is_default AND code <> @code");
            clear.Parameters.AddWithValue("code", code);
            clear.Parameters.AddWithValue("region", regionId);
            await clear.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var command = transaction.Command("UPDATE enterprise_codes SET is_default = @isDefault WHERE region_id = @region AND code = @code");
        command.Parameters.AddWithValue("code", code);
        command.Parameters.AddWithValue("region", regionId);
        command.Parameters.AddWithValue("isDefault", isDefault);
        await command.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return EnterpriseCodeWriteResult.Done;
    }

    public async Task<EnterpriseCodeWriteResult> BindEnterpriseCodeAsync(string regionId, string smartAgId, string code, CancellationToken cancellationToken)
    {
        await using var transaction = await BeginWriteAsync(cancellationToken);
        await using (var lockCode = transaction.Command("SELECT 1 FROM enterprise_codes WHERE code = @code AND region_id = @region FOR SHARE"))
        {
            lockCode.Parameters.AddWithValue("code", code);
            lockCode.Parameters.AddWithValue("region", regionId);
            if (await lockCode.ExecuteScalarAsync(cancellationToken) is null)
            {
                return EnterpriseCodeWriteResult.NotFound;
            }
        }

        await using var bind = transaction.Command("UPDATE instances SET enterprise_code = @code WHERE smart_ag_id = @id AND region_id = @region");
        bind.Parameters.AddWithValue("code", code);
        bind.Parameters.AddWithValue("id", smartAgId);
        bind.Parameters.AddWithValue("region", regionId);
        if (await bind.ExecuteNonQueryAsync(cancellationToken) != 1)
        {
            return EnterpriseCodeWriteResult.InstanceNotFound;
        }

        await transaction.CommitAsync(cancellationToken);
        return EnterpriseCodeWriteResult.Done;
    }

    public async Task<(IReadOnlyList<EnterpriseCode> Items, int TotalCount)> ListEnterpriseCodesAsync(EnterpriseCodeFilter filter, string? after, int limit,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        await using var transaction = await BeginReadAsync(cancellationToken);
        await using var count = transaction.Command($"SELECT count(*) FROM enterprise_codes {EnterpriseCodeFilterSql}");
        AddEnterpriseCodeFilter(count, filter);
        var total = (long)(await count.ExecuteScalarAsync(cancellationToken))!;

        await using var select = transaction.Command($"""
            SELECT {EnterpriseCodeColumns} FROM enterprise_codes {EnterpriseCodeFilterSql} AND (@after::text IS NULL OR code > @after)
            ORDER BY code LIMIT @limit
            """);
        AddEnterpriseCodeFilter(select, filter);
        select.Parameters.Add(OptionalParameter("after", NpgsqlDbType.Text, after));
        select.Parameters.AddWithValue("limit", limit);
        return (await ReadAllAsync(select, ReadEnterpriseCode, cancellationToken), checked((int)total));
    }

    private static void AddEnterpriseCodeFilter(NpgsqlCommand command, EnterpriseCodeFilter filter)
    {
        command.Parameters.AddWithValue("region", filter.RegionId);
        command.Parameters.Add(OptionalParameter("code", NpgsqlDbType.Text, filter.Code));
        command.Parameters.Add(OptionalParameter("isDefault", NpgsqlDbType.Boolean, filter.IsDefault));
    }
}
