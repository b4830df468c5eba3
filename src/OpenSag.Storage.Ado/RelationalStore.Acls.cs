using System.Data;
using System.Data.Common;
using OpenSag.Domain;

namespace OpenSag.Storage.Ado;

/// <remarks>
/// Concurrency: every write to an ACL, its rules or its associations first locks the ACL's row (<see
/// cref="SqlDialect.ForUpdate"/>), and an association then the instance's row, always in that order, so writes to one
/// ACL queue on it and none deadlocks another. The ACL count of the whole store is checked under a store-wide lock
/// (<see cref="SqlDialect.LockAsync"/>), since no row scopes it. "One ACL per instance" is the schema's: the
/// association is the instance's <c>acl_id</c> column.
/// </remarks>
public abstract partial class RelationalStore
{
    /// <summary>Serializes ACL creation, whose limit counts every ACL ("OSACL" in ASCII, apart from the other lock keys).</summary>
    private const long AclsLockKey = 0x4F5341434C;

    public Task<AclWriteResult> TryAddAclAsync(Acl acl, int aclLimit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(acl);
        return WriteAsync(async (transaction, ct) =>
        {
            await Dialect.LockAsync(transaction, AclsLockKey, ct);
            if (await ReadCountAsync(transaction.Command("SELECT count(*) FROM acls"), ct) >= aclLimit)
            {
                return AclWriteResult.OverLimit;
            }

            var command = transaction.Command($"""
                INSERT INTO acls ({Rows.AclColumns}) VALUES (@id, @region, @name, @type, @resourceGroup, @created)
                """);
            command.Bind("id", acl.AclId);
            command.Bind("region", acl.RegionId);
            command.Bind("name", acl.Name);
            command.Bind("type", acl.AclType);
            command.Bind("resourceGroup", acl.ResourceGroupId);
            command.Bind("created", Dialect.ToInstant(acl.CreatedAt));
            await command.ExecuteNonQueryAsync(ct);
            return AclWriteResult.Done;
        }, cancellationToken);
    }

    public async Task<Acl?> FindAclAsync(string regionId, string aclId, CancellationToken cancellationToken)
    {
        await using var transaction = await BeginReadAsync(singleStatement: true, cancellationToken);
        var command = transaction.Command($"SELECT {Rows.AclColumns} FROM acls WHERE acl_id = @id AND region_id = @region");
        command.Bind("id", aclId);
        command.Bind("region", regionId);
        return await ReadFirstAsync(command, Rows.ReadAcl, cancellationToken);
    }

    public async Task<Page<AclSummary>> ListAclsAsync(AclFilter filter, int pageNumber, int pageSize, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var fromWhere = $"""
            FROM acls
            WHERE region_id = @region
              AND (@ids IS NULL OR {Dialect.InList("acl_id", "ids")})
              AND (@name IS NULL OR name = @name)
              AND (@type IS NULL OR acl_type = @type)
              AND (@resourceGroup IS NULL OR resource_group_id = @resourceGroup)
            """;
        // SagCount is counted, not stored: it can never disagree with the associations (spec §1.13).
        var columns = $"{Rows.AclColumns}, (SELECT count(*) FROM instances WHERE instances.acl_id = acls.acl_id)";
        return await ReadPageAsync(
            columns, fromWhere, $"{Dialect.Instant("created_at")}, acl_id",
            command =>
            {
                command.Bind("region", filter.RegionId);
                Dialect.BindList(command, "ids", filter.AclIds);
                command.BindOptional("name", DbType.String, filter.Name);
                command.BindOptional("type", DbType.String, filter.AclType);
                command.BindOptional("resourceGroup", DbType.String, filter.ResourceGroupId);
            },
            row => new AclSummary(Rows.ReadAcl(row), checked((int)row.GetInt64(6))),
            pageNumber, pageSize, cancellationToken);
    }

    public Task<bool> RenameAclAsync(string regionId, string aclId, string name, CancellationToken cancellationToken) =>
        WriteAsync(async (transaction, ct) =>
        {
            var command = transaction.Command("UPDATE acls SET name = @name WHERE acl_id = @id AND region_id = @region");
            command.Bind("id", aclId);
            command.Bind("region", regionId);
            command.Bind("name", name);
            return await command.ExecuteNonQueryAsync(ct) == 1;
        }, cancellationToken);

    public Task<IReadOnlyList<string>?> DeleteAclAsync(string regionId, string aclId, CancellationToken cancellationToken) =>
        WriteAsync<IReadOnlyList<string>?>(async (transaction, ct) =>
        {
            if (!await LockAclAsync(transaction, regionId, aclId, ct))
            {
                return null;
            }

            // The instances it leaves, read by the statement that leaves them: an association committed before the
            // lock is in the list, and none can be made after it.
            var disassociate = transaction.Command("UPDATE instances SET acl_id = NULL WHERE acl_id = @id RETURNING smart_ag_id");
            disassociate.Bind("id", aclId);
            var instances = await ReadAllAsync(disassociate, row => row.GetString(0), ct);

            // Its rules go with it (ON DELETE CASCADE).
            var delete = transaction.Command("DELETE FROM acls WHERE acl_id = @id");
            delete.Bind("id", aclId);
            await delete.ExecuteNonQueryAsync(ct);
            instances.Sort(StringComparer.Ordinal);
            return instances;
        }, cancellationToken);

    public Task<AclWriteResult> TryAddRuleAsync(string regionId, AclRule rule, int ruleLimit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rule);
        return WriteAsync(async (transaction, ct) =>
        {
            if (!await LockAclAsync(transaction, regionId, rule.AclId, ct))
            {
                return AclWriteResult.NotFound;
            }

            var count = transaction.Command("SELECT count(*) FROM acl_rules WHERE acl_id = @id");
            count.Bind("id", rule.AclId);
            if (await ReadCountAsync(count, ct) >= ruleLimit)
            {
                return AclWriteResult.OverLimit;
            }

            var command = transaction.Command($"""
                INSERT INTO acl_rules ({Rows.RuleColumns})
                VALUES (@aclId, @acrId, @name, @description, @direction, @policy, @ipProtocol, @sourceCidr, @sourcePorts,
                        @destCidr, @destPorts, @priority, @type, @created, @dpiGroups, @dpiSignatures)
                """);
            command.Bind("aclId", rule.AclId);
            command.Bind("acrId", rule.AcrId);
            command.Bind("name", rule.Name);
            command.Bind("description", rule.Description);
            command.Bind("direction", rule.Direction);
            command.Bind("policy", rule.Policy);
            command.Bind("ipProtocol", rule.IpProtocol);
            command.Bind("sourceCidr", rule.SourceCidr);
            command.Bind("sourcePorts", rule.SourcePortRange);
            command.Bind("destCidr", rule.DestCidr);
            command.Bind("destPorts", rule.DestPortRange);
            command.Bind("priority", rule.Priority);
            command.Bind("type", rule.Type);
            command.Bind("created", Dialect.ToInstant(rule.CreatedAt));
            command.Bind("dpiGroups", Dialect.ToList(rule.DpiGroupIds));
            command.Bind("dpiSignatures", Dialect.ToList(rule.DpiSignatureIds));
            await command.ExecuteNonQueryAsync(ct);
            return AclWriteResult.Done;
        }, cancellationToken);
    }

    public Task<AclRule?> UpdateRuleAsync(AclRuleChange change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        return WriteAsync(async (transaction, ct) =>
        {
            if (!await LockAclAsync(transaction, change.RegionId, change.AclId, ct))
            {
                return null;
            }

            // A NULL parameter keeps the stored value, read by this same statement.
            var command = transaction.Command($"""
                UPDATE acl_rules
                SET name = coalesce(@name, name), description = coalesce(@description, description),
                    direction = coalesce(@direction, direction), policy = coalesce(@policy, policy),
                    ip_protocol = coalesce(@ipProtocol, ip_protocol),
                    source_cidr = coalesce(@sourceCidr, source_cidr),
                    source_port_range = coalesce(@sourcePorts, source_port_range),
                    dest_cidr = coalesce(@destCidr, dest_cidr), dest_port_range = coalesce(@destPorts, dest_port_range),
                    priority = coalesce(@priority, priority), type = coalesce(@type, type),
                    dpi_group_ids = coalesce(@dpiGroups, dpi_group_ids),
                    dpi_signature_ids = coalesce(@dpiSignatures, dpi_signature_ids)
                WHERE acl_id = @aclId AND acr_id = @acrId
                RETURNING {Rows.RuleColumns}
                """);
            command.Bind("aclId", change.AclId);
            command.Bind("acrId", change.AcrId);
            command.BindOptional("name", DbType.String, change.Name);
            command.BindOptional("description", DbType.String, change.Description);
            command.BindOptional("direction", DbType.String, change.Direction);
            command.BindOptional("policy", DbType.String, change.Policy);
            command.BindOptional("ipProtocol", DbType.String, change.IpProtocol);
            command.BindOptional("sourceCidr", DbType.String, change.SourceCidr);
            command.BindOptional("sourcePorts", DbType.String, change.SourcePortRange);
            command.BindOptional("destCidr", DbType.String, change.DestCidr);
            command.BindOptional("destPorts", DbType.String, change.DestPortRange);
            command.BindOptional("priority", DbType.Int32, change.Priority);
            command.BindOptional("type", DbType.String, change.Type);
            Dialect.BindList(command, "dpiGroups", change.DpiGroupIds);
            Dialect.BindList(command, "dpiSignatures", change.DpiSignatureIds);
            return await ReadFirstAsync(command, Rows.ReadRule, ct);
        }, cancellationToken);
    }

    public Task<bool> DeleteRuleAsync(string regionId, string aclId, string acrId, CancellationToken cancellationToken) =>
        WriteAsync(async (transaction, ct) =>
        {
            if (!await LockAclAsync(transaction, regionId, aclId, ct))
            {
                return false;
            }

            var command = transaction.Command("DELETE FROM acl_rules WHERE acl_id = @aclId AND acr_id = @acrId");
            command.Bind("aclId", aclId);
            command.Bind("acrId", acrId);
            return await command.ExecuteNonQueryAsync(ct) == 1;
        }, cancellationToken);

    public async Task<Page<AclRule>?> ListRulesAsync(AclRuleFilter filter, int pageNumber, int pageSize, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        await using var transaction = await BeginReadAsync(singleStatement: false, cancellationToken);
        var acl = transaction.Command("SELECT count(*) FROM acls WHERE acl_id = @id AND region_id = @region");
        acl.Bind("id", filter.AclId);
        acl.Bind("region", filter.RegionId);
        if (await ReadCountAsync(acl, cancellationToken) == 0)
        {
            return null;
        }

        // Direction is compared in any letter case: a rule keeps "IN" as sent, and means "in" by it.
        var fromWhere = $"""
            FROM acl_rules
            WHERE acl_id = @id
              AND (@direction IS NULL OR lower(direction) = lower(@direction))
              AND (@name IS NULL OR {Dialect.Contains("name", "name")})
            """;
        return await ReadPageAsync(
            transaction, Rows.RuleColumns, fromWhere, $"priority, {Dialect.Instant("created_at")}, acr_id",
            command =>
            {
                command.Bind("id", filter.AclId);
                command.BindOptional("direction", DbType.String, filter.Direction);
                command.BindOptional("name", DbType.String, filter.NameContains);
            },
            Rows.ReadRule, pageNumber, pageSize, cancellationToken);
    }

    public Task<AclWriteResult> AssociateAsync(string regionId, string aclId, string smartAgId, CancellationToken cancellationToken) =>
        WriteAsync(async (transaction, ct) =>
        {
            if (!await LockAclAsync(transaction, regionId, aclId, ct))
            {
                return AclWriteResult.NotFound;
            }

            switch (await LockInstanceAclAsync(transaction, regionId, smartAgId, ct))
            {
                case null:
                    return AclWriteResult.InstanceNotFound;
                case { Length: > 0 } bound:
                    return bound == aclId ? AclWriteResult.AlreadyAssociated : AclWriteResult.OverLimit;
            }

            await SetInstanceAclAsync(transaction, smartAgId, aclId, ct);
            return AclWriteResult.Done;
        }, cancellationToken);

    public Task<AclWriteResult> DisassociateAsync(string regionId, string aclId, string smartAgId, CancellationToken cancellationToken) =>
        WriteAsync(async (transaction, ct) =>
        {
            if (!await LockAclAsync(transaction, regionId, aclId, ct))
            {
                return AclWriteResult.NotFound;
            }

            var bound = await LockInstanceAclAsync(transaction, regionId, smartAgId, ct);
            if (bound is null)
            {
                return AclWriteResult.InstanceNotFound;
            }

            if (bound != aclId)
            {
                return AclWriteResult.NotAssociated;
            }

            await SetInstanceAclAsync(transaction, smartAgId, null, ct);
            return AclWriteResult.Done;
        }, cancellationToken);

    public async Task<IReadOnlyList<AclRule>> GetInstanceRulesAsync(string smartAgId, CancellationToken cancellationToken)
    {
        await using var transaction = await BeginReadAsync(singleStatement: true, cancellationToken);
        var command = transaction.Command($"""
            SELECT {Rows.RuleColumns} FROM acl_rules
            WHERE acl_id = (SELECT acl_id FROM instances WHERE smart_ag_id = @id)
            """);
        command.Bind("id", smartAgId);
        return await ReadAllAsync(command, Rows.ReadRule, cancellationToken);
    }

    /// <summary>Locks the ACL's row (see the remarks); false when there is no such ACL in that region.</summary>
    private async Task<bool> LockAclAsync(StoreTransaction transaction, string regionId, string aclId, CancellationToken cancellationToken)
    {
        var command = transaction.Command($"SELECT 1 FROM acls WHERE acl_id = @id AND region_id = @region {Dialect.ForUpdate}");
        command.Bind("id", aclId);
        command.Bind("region", regionId);
        return await command.ExecuteScalarAsync(cancellationToken) is not null;
    }

    /// <summary>Locks the instance's row; its ACL ("" when none), or null when there is no such instance in that region.</summary>
    private async Task<string?> LockInstanceAclAsync(StoreTransaction transaction, string regionId, string smartAgId, CancellationToken cancellationToken)
    {
        var command = transaction.Command($"SELECT coalesce(acl_id, '') FROM instances WHERE smart_ag_id = @id AND region_id = @region {Dialect.ForUpdate}");
        command.Bind("id", smartAgId);
        command.Bind("region", regionId);
        return (string?)await command.ExecuteScalarAsync(cancellationToken);
    }

    private static async Task SetInstanceAclAsync(StoreTransaction transaction, string smartAgId, string? aclId, CancellationToken cancellationToken)
    {
        var command = transaction.Command("UPDATE instances SET acl_id = @aclId WHERE smart_ag_id = @id");
        command.Bind("id", smartAgId);
        command.BindOptional("aclId", DbType.String, aclId);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
