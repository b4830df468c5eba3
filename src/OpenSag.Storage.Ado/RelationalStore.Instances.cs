using System.Data;
using System.Data.Common;
using System.Net;
using OpenSag.Domain;

namespace OpenSag.Storage.Ado;

public abstract partial class RelationalStore
{
    /// <summary>Serializes every CIDR block write (advisory lock key: "OSCIDR" in ASCII, apart from the migration keys).</summary>
    private const long CidrBlocksLockKey = 0x4F5343494452;

    public Task AddInstanceAsync(Instance instance, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instance);
        return WriteAsync(async (transaction, ct) =>
        {
            var command = transaction.Command($"""
                INSERT INTO instances ({Rows.InstanceColumns})
                VALUES (@id, @region, @order, @name, @description, @cidr, @userCount, @dataPlan, @period, @chargeType,
                        @autoPay, @lockThreshold, @created, @ends, @appDns, @recoveredDns, @aclId, @enterpriseCode)
                """);
            command.Bind("id", instance.SmartAGId);
            command.Bind("region", instance.RegionId);
            command.Bind("order", instance.OrderId);
            command.Bind("name", instance.Name);
            command.Bind("description", instance.Description);
            command.Bind("cidr", instance.CidrBlock);
            command.Bind("userCount", instance.UserCount);
            command.Bind("dataPlan", instance.DataPlan);
            command.Bind("period", instance.Period);
            command.Bind("chargeType", instance.ChargeType);
            command.Bind("autoPay", instance.AutoPay);
            command.Bind("lockThreshold", instance.SecurityLockThreshold);
            command.Bind("created", Dialect.ToInstant(instance.CreatedAt));
            command.Bind("ends", Dialect.ToInstant(instance.EndsAt));
            command.Bind("appDns", Dialect.ToList(instance.AppDns));
            command.Bind("recoveredDns", Dialect.ToList(instance.RecoveredDns));
            command.BindOptional("aclId", DbType.String, instance.AclId.Length == 0 ? null : instance.AclId);
            command.Bind("enterpriseCode", instance.EnterpriseCode);
            return await command.ExecuteNonQueryAsync(ct);
        }, cancellationToken);
    }

    public async Task<Instance?> FindInstanceAsync(string regionId, string smartAgId, CancellationToken cancellationToken)
    {
        await using var transaction = await BeginReadAsync(singleStatement: true, cancellationToken);
        var command = transaction.Command($"SELECT {Rows.InstanceColumns} FROM instances WHERE smart_ag_id = @id AND region_id = @region");
        command.Bind("id", smartAgId);
        command.Bind("region", regionId);
        return await ReadFirstAsync(command, Rows.ReadInstance, cancellationToken);
    }

    public async Task<Instance?> FindInstanceByIdAsync(string smartAgId, CancellationToken cancellationToken)
    {
        await using var transaction = await BeginReadAsync(singleStatement: true, cancellationToken);
        var command = transaction.Command($"SELECT {Rows.InstanceColumns} FROM instances WHERE smart_ag_id = @id");
        command.Bind("id", smartAgId);
        return await ReadFirstAsync(command, Rows.ReadInstance, cancellationToken);
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

        // Every filter is a parameter that is NULL when absent, so one fixed statement serves every combination; the
        // id list is one list parameter rather than a variable number of placeholders.
        var fromWhere = $"""
            FROM instances
            WHERE region_id = @region
              AND (@ids IS NULL OR {Dialect.InList("smart_ag_id", "ids")})
              AND (@name IS NULL OR name = @name)
              AND (@aclIds IS NULL OR {Dialect.InList("acl_id", "aclIds")})
              AND (@unboundAclIds IS NULL OR acl_id IS NULL OR NOT {Dialect.InList("acl_id", "unboundAclIds")})
            """;
        return await ReadPageAsync(
            Rows.InstanceColumns, fromWhere, $"{Dialect.Instant("created_at")}, smart_ag_id",
            command => BindInstanceFilter(command, filter), Rows.ReadInstance, pageNumber, pageSize, cancellationToken);
    }

    public Task<InstanceWriteResult> UpdateInstanceAsync(InstanceChange change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        return WriteAsync(async (transaction, ct) =>
        {
            // A new CIDR block must still assign every static ClientIp of the instance. Users with one are added or
            // moved in only under this same row lock (RelationalStore.Users), so none can appear between the check
            // and the update.
            if (change.CidrBlock is { } cidrBlock)
            {
                // Blocks of different instances are compared (RefuseCidrOverlap), so a row lock is not enough: two
                // writes to two instances would each miss the other's uncommitted block. Every CIDR write, checked or
                // not, queues on this one lock; they are rare admin writes.
                await Dialect.LockAsync(transaction, CidrBlocksLockKey, ct);

                var lockInstance = transaction.Command($"SELECT 1 FROM instances WHERE smart_ag_id = @id AND region_id = @region {Dialect.ForUpdate}");
                lockInstance.Bind("id", change.SmartAGId);
                lockInstance.Bind("region", change.RegionId);
                if (await lockInstance.ExecuteScalarAsync(ct) is null)
                {
                    return InstanceWriteResult.NotFound;
                }

                var staticIps = transaction.Command("SELECT client_ip FROM client_users WHERE smart_ag_id = @id AND client_ip <> ''");
                staticIps.Bind("id", change.SmartAGId);
                var held = await ReadAllAsync(staticIps, reader => reader.GetString(0), ct);
                if (held.Exists(ip => !IPAddress.TryParse(ip, out var address) || !cidrBlock.IsAssignable(address)))
                {
                    return InstanceWriteResult.StaticClientIpOutside;
                }

                if (change.RefuseCidrOverlap)
                {
                    // Every other instance's stored block, in any region: one gateway routes them all. Read after the
                    // lock, so it sees every block committed before it.
                    var others = transaction.Command("SELECT cidr_block FROM instances WHERE smart_ag_id <> @id AND cidr_block <> ''");
                    others.Bind("id", change.SmartAGId);
                    if (cidrBlock.OverlapsAny(await ReadAllAsync(others, reader => reader.GetString(0), ct)))
                    {
                        return InstanceWriteResult.CidrOverlap;
                    }
                }
            }

            // No more users than the new UserCount: users are added or moved in only under this row's lock
            // (CheckRoomAsync, which also reads the stored UserCount), so none can appear between count and update.
            if (change.UserCount is { } userCount)
            {
                var lockInstance = transaction.Command($"SELECT 1 FROM instances WHERE smart_ag_id = @id AND region_id = @region {Dialect.ForUpdate}");
                lockInstance.Bind("id", change.SmartAGId);
                lockInstance.Bind("region", change.RegionId);
                if (await lockInstance.ExecuteScalarAsync(ct) is null)
                {
                    return InstanceWriteResult.NotFound;
                }

                var users = transaction.Command("SELECT count(*) FROM client_users WHERE smart_ag_id = @id");
                users.Bind("id", change.SmartAGId);
                if (await ReadCountAsync(users, ct) > userCount)
                {
                    return InstanceWriteResult.UsersAboveUserCount;
                }
            }

            // A NULL parameter keeps the stored value, read by this same statement: no setting the change does not
            // set is written, so a concurrent write of another setting is never undone (under READ COMMITTED an
            // UPDATE that finds its row changed meanwhile waits, then evaluates SET on the newest version).
            var command = transaction.Command("""
                UPDATE instances
                SET name = coalesce(@name, name), description = coalesce(@description, description),
                    cidr_block = coalesce(@cidr, cidr_block),
                    security_lock_threshold = coalesce(@lockThreshold, security_lock_threshold),
                    user_count = coalesce(@userCount, user_count), data_plan = coalesce(@dataPlan, data_plan),
                    app_dns = coalesce(@appDns, app_dns), recovered_dns = coalesce(@recoveredDns, recovered_dns)
                WHERE smart_ag_id = @id AND region_id = @region
                """);
            command.Bind("id", change.SmartAGId);
            command.Bind("region", change.RegionId);
            command.BindOptional("name", DbType.String, change.Name);
            command.BindOptional("description", DbType.String, change.Description);
            command.BindOptional("cidr", DbType.String, change.CidrBlock?.ToString());
            command.BindOptional("lockThreshold", DbType.Int32, change.SecurityLockThreshold);
            command.BindOptional("userCount", DbType.Int32, change.UserCount);
            command.BindOptional("dataPlan", DbType.Int64, change.DataPlan);
            Dialect.BindList(command, "appDns", change.AppDns);
            Dialect.BindList(command, "recoveredDns", change.RecoveredDns);
            return await command.ExecuteNonQueryAsync(ct) == 1 ? InstanceWriteResult.Done : InstanceWriteResult.NotFound;
        }, cancellationToken);
    }

    private void BindInstanceFilter(DbCommand command, InstanceFilter filter)
    {
        command.Bind("region", filter.RegionId);
        Dialect.BindList(command, "ids", filter.SmartAGIds);
        command.BindOptional("name", DbType.String, filter.Name);
        Dialect.BindList(command, "aclIds", filter.AclIds);
        Dialect.BindList(command, "unboundAclIds", filter.UnboundAclIds);
    }
}
