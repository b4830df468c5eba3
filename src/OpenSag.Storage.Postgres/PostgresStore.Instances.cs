using System.Net;
using Npgsql;
using NpgsqlTypes;
using OpenSag.Domain;
using static OpenSag.Storage.Postgres.RowMapping;

namespace OpenSag.Storage.Postgres;

public sealed partial class PostgresStore
{
    /// <summary>Serializes every CIDR block write across nodes (advisory lock key: "OSCIDR" in ASCII, apart from the migration keys).</summary>
    private const long CidrBlocksLockKey = 0x4F5343494452;

    // Every filter is a parameter that is NULL when absent, so one fixed statement serves every combination; the
    // id list is one text[] parameter rather than a variable number of placeholders.
    private const string InstanceFilterSql = """
        WHERE region_id = @region
          AND (@ids IS NULL OR smart_ag_id = ANY (@ids))
          AND (@name IS NULL OR name = @name)
        """;

    public async Task AddInstanceAsync(Instance instance, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instance);
        await using var transaction = await BeginWriteAsync(cancellationToken);
        await using var command = transaction.Command($"""
            INSERT INTO instances ({InstanceColumns})
            VALUES (@id, @region, @order, @name, @description, @cidr, @userCount, @dataPlan, @period, @chargeType,
                    @autoPay, @lockThreshold, @created, @ends, @appDns, @recoveredDns, @enterpriseCode)
            """);
        AddMutableInstanceFields(command, instance);
        var p = command.Parameters;
        p.AddWithValue("order", instance.OrderId);
        p.AddWithValue("userCount", instance.UserCount);
        p.AddWithValue("dataPlan", instance.DataPlan);
        p.AddWithValue("period", instance.Period);
        p.AddWithValue("chargeType", instance.ChargeType);
        p.AddWithValue("autoPay", instance.AutoPay);
        p.AddWithValue("created", ToTimestamp(instance.CreatedAt));
        p.AddWithValue("ends", ToTimestamp(instance.EndsAt));
        p.AddWithValue("enterpriseCode", instance.EnterpriseCode);
        await command.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<Instance?> FindInstanceAsync(string regionId, string smartAgId, CancellationToken cancellationToken)
    {
        await using var transaction = await BeginReadAsync(cancellationToken);
        await using var command = transaction.Command($"SELECT {InstanceColumns} FROM instances WHERE smart_ag_id = @id AND region_id = @region");
        command.Parameters.AddWithValue("id", smartAgId);
        command.Parameters.AddWithValue("region", regionId);
        return await ReadFirstAsync(command, ReadInstance, cancellationToken);
    }

    public async Task<Instance?> FindInstanceByIdAsync(string smartAgId, CancellationToken cancellationToken)
    {
        await using var transaction = await BeginReadAsync(cancellationToken);
        await using var command = transaction.Command($"SELECT {InstanceColumns} FROM instances WHERE smart_ag_id = @id");
        command.Parameters.AddWithValue("id", smartAgId);
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
            InstanceColumns, $"FROM instances {InstanceFilterSql}", "created_at, smart_ag_id",
            command => AddInstanceFilter(command, filter), ReadInstance, pageNumber, pageSize, cancellationToken);
    }

    public async Task<InstanceWriteResult> UpdateInstanceAsync(InstanceChange change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        await using var transaction = await BeginWriteAsync(cancellationToken);

        // A new CIDR block must still assign every static ClientIp of the instance. Users with one are added or moved
        // in only under this same row lock (PostgresStore.Users), so none can appear between the check and the update.
        if (change.CidrBlock is { } cidrBlock)
        {
            // Blocks of different instances are compared (RefuseCidrOverlap), so a row lock is not enough: two writes to
            // two instances would each miss the other's uncommitted block. Every CIDR write, checked or not, queues on
            // this one transaction-scoped lock (from any node); they are rare admin writes.
            await using (var lockBlocks = transaction.Command($"SELECT pg_advisory_xact_lock({CidrBlocksLockKey})"))
            {
                await lockBlocks.ExecuteNonQueryAsync(cancellationToken);
            }

            await using (var lockInstance = transaction.Command("SELECT 1 FROM instances WHERE smart_ag_id = @id AND region_id = @region FOR UPDATE"))
            {
                lockInstance.Parameters.AddWithValue("id", change.SmartAGId);
                lockInstance.Parameters.AddWithValue("region", change.RegionId);
                if (await lockInstance.ExecuteScalarAsync(cancellationToken) is null)
                {
                    return InstanceWriteResult.NotFound;
                }
            }

            await using var staticIps = transaction.Command("SELECT client_ip FROM client_users WHERE smart_ag_id = @id AND client_ip <> ''");
            staticIps.Parameters.AddWithValue("id", change.SmartAGId);
            var held = await ReadAllAsync(staticIps, reader => reader.GetString(0), cancellationToken);
            if (held.Exists(ip => !IPAddress.TryParse(ip, out var address) || !cidrBlock.IsAssignable(address)))
            {
                return InstanceWriteResult.StaticClientIpOutside;
            }

            if (change.RefuseCidrOverlap)
            {
                // READ COMMITTED: this statement runs after the lock, so it sees every block committed before it.
                await using var others = transaction.Command("SELECT cidr_block FROM instances WHERE smart_ag_id <> @id AND cidr_block <> ''");
                others.Parameters.AddWithValue("id", change.SmartAGId);
                if (cidrBlock.OverlapsAny(await ReadAllAsync(others, reader => reader.GetString(0), cancellationToken)))
                {
                    return InstanceWriteResult.CidrOverlap;
                }
            }
        }

        // Fewer users than the new UserCount: users are added or moved in only under this row's lock (CheckRoomAsync,
        // which also reads the stored UserCount), so none can appear between the count and the update.
        if (change.UserCount is { } userCount)
        {
            await using (var lockInstance = transaction.Command("SELECT 1 FROM instances WHERE smart_ag_id = @id AND region_id = @region FOR UPDATE"))
            {
                lockInstance.Parameters.AddWithValue("id", change.SmartAGId);
                lockInstance.Parameters.AddWithValue("region", change.RegionId);
                if (await lockInstance.ExecuteScalarAsync(cancellationToken) is null)
                {
                    return InstanceWriteResult.NotFound;
                }
            }

            await using var users = transaction.Command("SELECT count(*) FROM client_users WHERE smart_ag_id = @id");
            users.Parameters.AddWithValue("id", change.SmartAGId);
            if ((long)(await users.ExecuteScalarAsync(cancellationToken))! > userCount)
            {
                return InstanceWriteResult.UsersAboveUserCount;
            }
        }

        // A NULL parameter keeps the stored value. Under READ COMMITTED an UPDATE that finds its row changed by a
        // transaction committed meanwhile (on any node) waits for it, then evaluates SET on the newest version, so
        // no setting the change does not set is ever written back stale.
        await using var command = transaction.Command("""
            UPDATE instances
            SET name = coalesce(@name, name), description = coalesce(@description, description),
                cidr_block = coalesce(@cidr, cidr_block),
                security_lock_threshold = coalesce(@lockThreshold, security_lock_threshold),
                user_count = coalesce(@userCount, user_count), data_plan = coalesce(@dataPlan, data_plan),
                app_dns = coalesce(@appDns, app_dns), recovered_dns = coalesce(@recoveredDns, recovered_dns)
            WHERE smart_ag_id = @id AND region_id = @region
            """);
        var p = command.Parameters;
        p.AddWithValue("id", change.SmartAGId);
        p.AddWithValue("region", change.RegionId);
        p.Add(OptionalParameter("name", NpgsqlDbType.Text, change.Name));
        p.Add(OptionalParameter("description", NpgsqlDbType.Text, change.Description));
        p.Add(OptionalParameter("cidr", NpgsqlDbType.Text, change.CidrBlock?.ToString()));
        p.Add(OptionalParameter("lockThreshold", NpgsqlDbType.Integer, change.SecurityLockThreshold));
        p.Add(OptionalParameter("userCount", NpgsqlDbType.Integer, change.UserCount));
        p.Add(OptionalParameter("dataPlan", NpgsqlDbType.Bigint, change.DataPlan));
        p.Add(OptionalParameter("appDns", NpgsqlDbType.Array | NpgsqlDbType.Text, change.AppDns is null ? null : ToArray(change.AppDns)));
        p.Add(OptionalParameter("recoveredDns", NpgsqlDbType.Array | NpgsqlDbType.Text, change.RecoveredDns is null ? null : ToArray(change.RecoveredDns)));
        var updated = await command.ExecuteNonQueryAsync(cancellationToken) == 1;
        await transaction.CommitAsync(cancellationToken);
        return updated ? InstanceWriteResult.Done : InstanceWriteResult.NotFound;
    }

    /// <summary>The key and the settings <see cref="UpdateInstanceAsync"/> may change, for an insert.</summary>
    private static void AddMutableInstanceFields(NpgsqlCommand command, Instance instance)
    {
        var p = command.Parameters;
        p.AddWithValue("id", instance.SmartAGId);
        p.AddWithValue("region", instance.RegionId);
        p.AddWithValue("name", instance.Name);
        p.AddWithValue("description", instance.Description);
        p.AddWithValue("cidr", instance.CidrBlock);
        p.AddWithValue("lockThreshold", instance.SecurityLockThreshold);
        p.AddWithValue("appDns", ToArray(instance.AppDns));
        p.AddWithValue("recoveredDns", ToArray(instance.RecoveredDns));
    }

    /// <summary>Typed parameters: a NULL alone would leave PostgreSQL unable to infer the type of "@x IS NULL".</summary>
    private static void AddInstanceFilter(NpgsqlCommand command, InstanceFilter filter)
    {
        command.Parameters.AddWithValue("region", filter.RegionId);
        command.Parameters.Add(new NpgsqlParameter("ids", NpgsqlDbType.Array | NpgsqlDbType.Text)
        {
            Value = filter.SmartAGIds is null ? DBNull.Value : ToArray(filter.SmartAGIds),
        });
        command.Parameters.Add(new NpgsqlParameter("name", NpgsqlDbType.Text) { Value = (object?)filter.Name ?? DBNull.Value });
    }
}
