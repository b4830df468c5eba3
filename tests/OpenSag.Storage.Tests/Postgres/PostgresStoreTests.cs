using Npgsql;
using OpenSag.Domain;
using OpenSag.Security;
using OpenSag.Storage.Ado;
using OpenSag.Storage.Postgres;
using OpenSag.Storage.Tests.Contract;

namespace OpenSag.Storage.Tests.Postgres;

/// <summary>
/// The storage kit on PostgreSQL, each test in a fresh schema of its own (a fresh database would cost a checkpoint
/// per test to drop), plus what only PostgreSQL has: several nodes sharing one database.
/// </summary>
[PostgresEngine]
public sealed class PostgresStoreTests : StoreContract
{
    private readonly List<PostgresTestSchema> _schemas = [];

    private PostgresTestSchema Schema => _schemas[0];

    protected override IOpenSagStore CreateStore(AccessKeySecretCipher secrets) => new PostgresStore(Schema.ConnectionString, secrets);

    protected override async Task<string> ReadStoredSecretAsync(string accessKeyId)
    {
        await using var connection = new NpgsqlConnection(Schema.ConnectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand("SELECT access_key_secret FROM access_keys WHERE access_key_id = @id", connection);
        command.Parameters.AddWithValue("id", accessKeyId);
        return (string)(await command.ExecuteScalarAsync(Ct))!;
    }

    protected override async Task WriteStoredSecretAsync(string accessKeyId, string stored)
    {
        await using var connection = new NpgsqlConnection(Schema.ConnectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand("UPDATE access_keys SET access_key_secret = @stored WHERE access_key_id = @id", connection);
        command.Parameters.AddWithValue("id", accessKeyId);
        command.Parameters.AddWithValue("stored", stored);
        Assert.Equal(1, await command.ExecuteNonQueryAsync(Ct));
    }

    public override async Task InitializeAsync()
    {
        await NewSchemaAsync();
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        foreach (var schema in _schemas)
        {
            await PostgresTestServer.DropSchemaAsync(schema.Name, Ct);
        }
    }

    [StoreFact]
    public async Task MigrateAsync_NewDatabase_RecordsEachVersionOnce()
    {
        await Store.MigrateAsync(Ct);

        Assert.Equal(4L, await PostgresTestServer.ScalarAsync<long>(Schema.ConnectionString, "SELECT count(*) FROM schema_version", Ct));
        Assert.Equal(4, await PostgresTestServer.ScalarAsync<int>(Schema.ConnectionString, "SELECT max(version) FROM schema_version", Ct));
    }

    [StoreFact]
    public async Task MigrateAsync_SeveralStoresOnAFreshDatabaseAtOnce_AllSucceed()
    {
        // Nodes of one cluster starting together: without the advisory lock, CREATE TABLE races fail or run twice.
        var fresh = await NewSchemaAsync();
        var stores = Enumerable.Range(0, 4).Select(_ => new PostgresStore(fresh.ConnectionString, Secrets)).ToList();
        try
        {
            await Task.WhenAll(stores.Select(s => Task.Run(() => s.MigrateAsync(Ct)))).WaitAsync(Timeout);

            var instance = NewInstance();
            await stores[0].AddInstanceAsync(instance, Ct);
            AssertSameInstance(instance, await stores[3].FindInstanceByIdAsync(instance.SmartAGId, Ct));
            Assert.Equal(4L, await PostgresTestServer.ScalarAsync<long>(fresh.ConnectionString, "SELECT count(*) FROM schema_version", Ct));
        }
        finally
        {
            foreach (var store in stores)
            {
                await store.DisposeAsync();
            }
        }
    }

    [StoreFact]
    public async Task MigrateAsync_DatabaseFromANewerBuild_RefusesWithNpgsqlException()
    {
        await PostgresTestServer.ExecuteAsync(Schema.ConnectionString, "INSERT INTO schema_version (version, description, applied_at) VALUES (999, 'future', now())", Ct);

        await using var store = new PostgresStore(Schema.ConnectionString, Secrets);
        var refusal = await Assert.ThrowsAsync<NpgsqlException>(() => store.MigrateAsync(Ct));

        Assert.Contains("999", refusal.Message, StringComparison.Ordinal);
    }

    [StoreFact]
    public async Task TryAddUserAsync_ConcurrentAddsThroughTwoStores_NeverExceedsTheLimit()
    {
        // Two stores are two connection pools, as two nodes have: the limit must hold in the database, not in a pool.
        const int limit = 10, attempts = 40;
        var instance = await AddInstanceAsync();
        var stores = new[] { Store, await OpenStoreAsync() };

        var results = await Task.WhenAll(Enumerable.Range(0, attempts).Select(i =>
            Task.Run(() => stores[i % 2].TryAddUserAsync(NewUser(instance.SmartAGId, $"user{i}"), limit, Ct)))).WaitAsync(Timeout);

        Assert.Equal(limit, results.Count(r => r == UserWriteResult.Done));
        Assert.Equal(attempts - limit, results.Count(r => r == UserWriteResult.OverLimit));
        Assert.Equal(limit, (await stores[1].ListUsersAsync(new UserFilter(instance.SmartAGId), 1, 100, Ct)).TotalCount);
    }

    [StoreFact]
    public async Task AddFlowAsync_ConcurrentFlushesThroughTwoStores_AddUpExactly()
    {
        // Two nodes flushing the same users at once: each upsert must add to the other's total, never overwrite it.
        var instance = await AddInstanceAsync();
        var stores = new[] { Store, await OpenStoreAsync() };
        FlowTotal[] batch = [new(instance.SmartAGId, "alice", "202603", 1, 10), new(instance.SmartAGId, "bob", "202603", 2, 20)];

        await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(() => stores[i % 2].AddFlowAsync(batch, Ct)))).WaitAsync(Timeout);

        var totals = (await Store.GetFlowAsync(instance.SmartAGId, "202603", ["alice", "bob"], Ct)).OrderBy(t => t.UserName, StringComparer.Ordinal);
        Assert.Equal([new FlowTotal(instance.SmartAGId, "alice", "202603", 20, 200), new FlowTotal(instance.SmartAGId, "bob", "202603", 40, 400)], totals);
    }

    [StoreFact]
    public async Task MigrateAsync_Version1DatabaseWithAnInstance_UpgradesKeepingIt()
    {
        // A database written by a build before ACLs (schema version 1), holding an instance.
        var fresh = await NewSchemaAsync();
        var smartAgId = ResourceIds.NewSmartAgId();
        await using (var dataSource = NpgsqlDataSource.Create(fresh.ConnectionString))
        {
            await new PostgresSchemaMigrator(Migrations.Steps[..1], "schema_version", Migrations.MigrationLockKey, recordsDescription: true).ApplyAsync(dataSource, Ct);
        }

        await PostgresTestServer.ExecuteAsync(fresh.ConnectionString, $"""
            INSERT INTO instances (smart_ag_id, region_id, order_id, name, description, cidr_block, user_count, data_plan, period,
                                   charge_type, auto_pay, security_lock_threshold, created_at, ends_at, app_dns, recovered_dns)
            VALUES ('{smartAgId}', '{Region}', 'order', 'old', '', '', 10, 5, 1, 'PREPAY', true, 0, now(), now(), ARRAY[]::text[], ARRAY[]::text[])
            """, Ct);

        await using var store = new PostgresStore(fresh.ConnectionString, Secrets);
        await store.MigrateAsync(Ct);

        Assert.Equal("", (await store.FindInstanceByIdAsync(smartAgId, Ct))!.AclId);
        var acl = NewAcl();
        Assert.Equal(AclWriteResult.Done, await store.TryAddAclAsync(acl, 10, Ct));
        Assert.Equal(AclWriteResult.Done, await store.AssociateAsync(Region, acl.AclId, smartAgId, Ct));
        Assert.Equal(acl.AclId, (await store.FindInstanceAsync(Region, smartAgId, Ct))!.AclId);
    }

    [StoreFact]
    public async Task MigrateAsync_Version3DatabaseWithAnInstance_UpgradesKeepingItAndKeepsAnAuditLog()
    {
        // A database written by a build before the audit log (schema version 3), holding an instance.
        var fresh = await NewSchemaAsync();
        var smartAgId = ResourceIds.NewSmartAgId();
        await using (var dataSource = NpgsqlDataSource.Create(fresh.ConnectionString))
        {
            await new PostgresSchemaMigrator(Migrations.Steps[..3], "schema_version", Migrations.MigrationLockKey, recordsDescription: true).ApplyAsync(dataSource, Ct);
        }

        await PostgresTestServer.ExecuteAsync(fresh.ConnectionString, $"""
            INSERT INTO instances (smart_ag_id, region_id, order_id, name, description, cidr_block, user_count, data_plan, period,
                                   charge_type, auto_pay, security_lock_threshold, created_at, ends_at, app_dns, recovered_dns)
            VALUES ('{smartAgId}', '{Region}', 'order', 'old', '', '', 10, 5, 1, 'PREPAY', true, 0, now(), now(), ARRAY[]::text[], ARRAY[]::text[])
            """, Ct);

        await using var store = new PostgresStore(fresh.ConnectionString, Secrets);
        await store.MigrateAsync(Ct);

        Assert.Equal("old", (await store.FindInstanceByIdAsync(smartAgId, Ct))!.Name);
        var entry = await store.AppendAuditAsync(new AuditEntry(0, T0, "LTAIadmin", "127.0.0.1", "api", "ModifySmartAccessGateway", Region, smartAgId, "", "Success", ""), Ct);
        Assert.Equal([entry], (await store.ListAuditAsync(new AuditQuery { SmartAGId = smartAgId }, 1, 10, Ct)).Items);
    }

    [StoreFact]
    public async Task PostgresSchemaMigrator_HistoryWithoutDescription_AppliesEachStepOnceAndRefusesANewerDatabase()
    {
        // The cluster's schema (ClusterSchema) keeps a history table with no description column; the runner must serve it.
        var fresh = await NewSchemaAsync();
        MigrationStep[] steps = [new(1, "a table", "CREATE TABLE t (x integer)"), new(2, "a column", "ALTER TABLE t ADD COLUMN y integer")];
        var migrator = new PostgresSchemaMigrator(steps, "test_schema_version", lockKey: 0x54455354, recordsDescription: false);
        await using var dataSource = NpgsqlDataSource.Create(fresh.ConnectionString);

        await migrator.ApplyAsync(dataSource, Ct);
        await migrator.ApplyAsync(dataSource, Ct);

        Assert.Equal(2L, await PostgresTestServer.ScalarAsync<long>(fresh.ConnectionString, "SELECT count(*) FROM test_schema_version", Ct));
        await PostgresTestServer.ExecuteAsync(fresh.ConnectionString, "INSERT INTO t (x, y) VALUES (1, 2)", Ct);
        var older = new PostgresSchemaMigrator(steps[..1], "test_schema_version", lockKey: 0x54455354, recordsDescription: false);
        await Assert.ThrowsAsync<NpgsqlException>(() => older.ApplyAsync(dataSource, Ct));
    }

    private async Task<PostgresTestSchema> NewSchemaAsync()
    {
        var schema = await PostgresTestServer.CreateSchemaAsync(Ct);
        _schemas.Add(schema);
        return schema;
    }
}
