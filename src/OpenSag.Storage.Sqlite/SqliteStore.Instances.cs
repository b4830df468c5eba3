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
                        $autoPay, $lockThreshold, $created, $ends, $appDns, $recoveredDns)
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

    public Task<bool> UpdateInstanceAsync(Instance instance, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instance);
        return WriteAsync(async (transaction, ct) =>
        {
            var command = transaction.Command("""
                UPDATE instances
                SET name = $name, description = $description, cidr_block = $cidr, security_lock_threshold = $lockThreshold,
                    app_dns = $appDns, recovered_dns = $recoveredDns
                WHERE smart_ag_id = $id AND region_id = $region
                """);
            var p = command.Parameters;
            p.AddWithValue("$id", instance.SmartAGId);
            p.AddWithValue("$region", instance.RegionId);
            p.AddWithValue("$name", instance.Name);
            p.AddWithValue("$description", instance.Description);
            p.AddWithValue("$cidr", instance.CidrBlock);
            p.AddWithValue("$lockThreshold", instance.SecurityLockThreshold);
            p.AddWithValue("$appDns", ToJson(instance.AppDns));
            p.AddWithValue("$recoveredDns", ToJson(instance.RecoveredDns));
            return await command.ExecuteNonQueryAsync(ct) == 1;
        }, cancellationToken);
    }

    private static void AddInstanceFilter(SqliteCommand command, InstanceFilter filter)
    {
        command.Parameters.AddWithValue("$region", filter.RegionId);
        command.Parameters.AddWithValue("$ids", filter.SmartAGIds is null ? DBNull.Value : ToJson(filter.SmartAGIds));
        command.Parameters.AddWithValue("$name", (object?)filter.Name ?? DBNull.Value);
    }
}
