using System.Net;
using Microsoft.Data.Sqlite;
using OpenSag.Domain;
using static OpenSag.Storage.Sqlite.RowMapping;

namespace OpenSag.Storage.Sqlite;

public sealed partial class SqliteStore
{
    // Every filter is a parameter that is NULL when absent, so one fixed statement serves every combination.
    // The id list travels as one JSON array parameter, unpacked by json_each, rather than as a variable number of
    // placeholders.
    private const string InstanceFilterSql = """
        WHERE region_id = $region
          AND ($ids IS NULL OR smart_ag_id IN (SELECT value FROM json_each($ids)))
          AND ($name IS NULL OR name = $name)
        """;

    public Task AddInstanceAsync(Instance instance, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instance);
        return WriteAsync(async (transaction, ct) =>
        {
            var command = transaction.Command($"""
                INSERT INTO instances ({InstanceColumns})
                VALUES ($id, $region, $order, $name, $description, $cidr, $userCount, $dataPlan, $period, $chargeType,
                        $autoPay, $lockThreshold, $created, $ends, $appDns, $recoveredDns, $enterpriseCode)
                """);
            var p = command.Parameters;
            p.AddWithValue("$id", instance.SmartAGId);
            p.AddWithValue("$region", instance.RegionId);
            p.AddWithValue("$order", instance.OrderId);
            p.AddWithValue("$name", instance.Name);
            p.AddWithValue("$description", instance.Description);
            p.AddWithValue("$cidr", instance.CidrBlock);
            p.AddWithValue("$userCount", instance.UserCount);
            p.AddWithValue("$dataPlan", instance.DataPlan);
            p.AddWithValue("$period", instance.Period);
            p.AddWithValue("$chargeType", instance.ChargeType);
            p.AddWithValue("$autoPay", instance.AutoPay);
            p.AddWithValue("$lockThreshold", instance.SecurityLockThreshold);
            p.AddWithValue("$created", ToUnixMilliseconds(instance.CreatedAt));
            p.AddWithValue("$ends", ToUnixMilliseconds(instance.EndsAt));
            p.AddWithValue("$appDns", ToJson(instance.AppDns));
            p.AddWithValue("$recoveredDns", ToJson(instance.RecoveredDns));
            p.AddWithValue("$enterpriseCode", instance.EnterpriseCode);
            await command.ExecuteNonQueryAsync(ct);
        }, cancellationToken);
    }

    public async Task<Instance?> FindInstanceAsync(string regionId, string smartAgId, CancellationToken cancellationToken)
    {
        await using var transaction = await BeginSingleReadAsync(cancellationToken);
        var command = transaction.Command($"SELECT {InstanceColumns} FROM instances WHERE smart_ag_id = $id AND region_id = $region");
        command.Parameters.AddWithValue("$id", smartAgId);
        command.Parameters.AddWithValue("$region", regionId);
        return await ReadFirstAsync(command, ReadInstance, cancellationToken);
    }

    public async Task<Instance?> FindInstanceByIdAsync(string smartAgId, CancellationToken cancellationToken)
    {
        await using var transaction = await BeginSingleReadAsync(cancellationToken);
        var command = transaction.Command($"SELECT {InstanceColumns} FROM instances WHERE smart_ag_id = $id");
        command.Parameters.AddWithValue("$id", smartAgId);
        return await ReadFirstAsync(command, ReadInstance, cancellationToken);
    }

    public async Task<Page<Instance>> ListInstancesAsync(InstanceFilter filter, int pageNumber, int pageSize, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);

        // Status and type are not columns: every instance here is an active SAG App instance (DESIGN.md §3), so
        // those filters either match all of them or none.
        if ((filter.Status is not null && filter.Status != Instance.ActiveStatus)
            || (filter.InstanceType is not null && filter.InstanceType != Instance.InstanceType))
        {
            return new Page<Instance>([], 0, pageNumber, pageSize);
        }

        return await ReadPageAsync(
            InstanceColumns, $"FROM instances {InstanceFilterSql}", "created_at_ms, smart_ag_id",
            command => AddInstanceFilter(command, filter), ReadInstance, pageNumber, pageSize, cancellationToken);
    }

    public Task<InstanceWriteResult> UpdateInstanceAsync(InstanceChange change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        return WriteAsync(async (transaction, ct) =>
        {
            // The write transaction holds SQLite's one write lock from its start (BEGIN IMMEDIATE), so no user with a
            // static ClientIp can be added between this check and the update.
            if (change.CidrBlock is { } cidrBlock && await HasStaticClientIpOutsideAsync(transaction, change.SmartAGId, cidrBlock, ct))
            {
                return await InstanceExistsAsync(transaction, change, ct) ? InstanceWriteResult.StaticClientIpOutside : InstanceWriteResult.NotFound;
            }

            if (change is { RefuseCidrOverlap: true, CidrBlock: { } block } && block.OverlapsAny(await OtherCidrBlocksAsync(transaction, change.SmartAGId, ct)))
            {
                return await InstanceExistsAsync(transaction, change, ct) ? InstanceWriteResult.CidrOverlap : InstanceWriteResult.NotFound;
            }

            if (change.UserCount is { } userCount && await CountUsersAsync(transaction, change.SmartAGId, ct) > userCount)
            {
                return await InstanceExistsAsync(transaction, change, ct) ? InstanceWriteResult.UsersAboveUserCount : InstanceWriteResult.NotFound;
            }

            // A NULL parameter keeps the stored value, read by this same statement: no setting the change does not
            // set is written, so a concurrent write of another setting is never undone.
            var command = transaction.Command("""
                UPDATE instances
                SET name = coalesce($name, name), description = coalesce($description, description),
                    cidr_block = coalesce($cidr, cidr_block),
                    security_lock_threshold = coalesce($lockThreshold, security_lock_threshold),
                    user_count = coalesce($userCount, user_count), data_plan = coalesce($dataPlan, data_plan),
                    app_dns = coalesce($appDns, app_dns), recovered_dns = coalesce($recoveredDns, recovered_dns)
                WHERE smart_ag_id = $id AND region_id = $region
                """);
            var p = command.Parameters;
            p.AddWithValue("$id", change.SmartAGId);
            p.AddWithValue("$region", change.RegionId);
            p.AddWithValue("$name", (object?)change.Name ?? DBNull.Value);
            p.AddWithValue("$description", (object?)change.Description ?? DBNull.Value);
            p.AddWithValue("$cidr", (object?)change.CidrBlock?.ToString() ?? DBNull.Value);
            p.AddWithValue("$lockThreshold", (object?)change.SecurityLockThreshold ?? DBNull.Value);
            p.AddWithValue("$userCount", (object?)change.UserCount ?? DBNull.Value);
            p.AddWithValue("$dataPlan", (object?)change.DataPlan ?? DBNull.Value);
            p.AddWithValue("$appDns", change.AppDns is null ? DBNull.Value : ToJson(change.AppDns));
            p.AddWithValue("$recoveredDns", change.RecoveredDns is null ? DBNull.Value : ToJson(change.RecoveredDns));
            return await command.ExecuteNonQueryAsync(ct) == 1 ? InstanceWriteResult.Done : InstanceWriteResult.NotFound;
        }, cancellationToken);
    }

    /// <summary>Whether a user of the instance holds a static ClientIp that <paramref name="cidrBlock"/> cannot assign.</summary>
    private static async Task<bool> HasStaticClientIpOutsideAsync(DatabaseTransaction transaction, string smartAgId, ClientAddressSpace cidrBlock, CancellationToken cancellationToken)
    {
        var command = transaction.Command("SELECT client_ip FROM client_users WHERE smart_ag_id = $id AND client_ip <> ''");
        command.Parameters.AddWithValue("$id", smartAgId);
        var held = await ReadAllAsync(command, reader => reader.GetString(0), cancellationToken);
        return held.Exists(ip => !IPAddress.TryParse(ip, out var address) || !cidrBlock.IsAssignable(address));
    }

    /// <summary>Every other instance's stored block, in any region: one gateway routes them all.</summary>
    private static async Task<List<string>> OtherCidrBlocksAsync(DatabaseTransaction transaction, string smartAgId, CancellationToken cancellationToken)
    {
        var command = transaction.Command("SELECT cidr_block FROM instances WHERE smart_ag_id <> $id AND cidr_block <> ''");
        command.Parameters.AddWithValue("$id", smartAgId);
        return await ReadAllAsync(command, reader => reader.GetString(0), cancellationToken);
    }

    private static async Task<long> CountUsersAsync(DatabaseTransaction transaction, string smartAgId, CancellationToken cancellationToken)
    {
        var command = transaction.Command("SELECT count(*) FROM client_users WHERE smart_ag_id = $id");
        command.Parameters.AddWithValue("$id", smartAgId);
        return await ReadCountAsync(command, cancellationToken);
    }

    private static async Task<bool> InstanceExistsAsync(DatabaseTransaction transaction, InstanceChange change, CancellationToken cancellationToken)
    {
        var command = transaction.Command("SELECT count(*) FROM instances WHERE smart_ag_id = $id AND region_id = $region");
        command.Parameters.AddWithValue("$id", change.SmartAGId);
        command.Parameters.AddWithValue("$region", change.RegionId);
        return await ReadCountAsync(command, cancellationToken) > 0;
    }

    private static void AddInstanceFilter(SqliteCommand command, InstanceFilter filter)
    {
        command.Parameters.AddWithValue("$region", filter.RegionId);
        command.Parameters.AddWithValue("$ids", filter.SmartAGIds is null ? DBNull.Value : ToJson(filter.SmartAGIds));
        command.Parameters.AddWithValue("$name", (object?)filter.Name ?? DBNull.Value);
    }
}
