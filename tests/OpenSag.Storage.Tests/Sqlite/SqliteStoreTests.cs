using Microsoft.Data.Sqlite;
using OpenSag.Domain;
using OpenSag.Security;
using OpenSag.Storage.Sqlite;
using OpenSag.Storage.Tests.Contract;

namespace OpenSag.Storage.Tests.Sqlite;

/// <summary>The storage kit on SQLite, one database file per test in its own temporary folder, plus what only SQLite has.</summary>
public sealed class SqliteStoreTests : StoreContract
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("opensag-storage-tests-");

    private string DatabasePath => Path.Combine(_folder.FullName, "opensag.db");

    protected override IOpenSagStore CreateStore(AccessKeySecretCipher secrets) => new SqliteStore(DatabasePath, secrets);

    protected override async Task<string> ReadStoredSecretAsync(string accessKeyId)
    {
        await using var connection = await OpenRawAsync();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT access_key_secret FROM access_keys WHERE access_key_id = $id";
        command.Parameters.AddWithValue("$id", accessKeyId);
        return (string)(await command.ExecuteScalarAsync(Ct))!;
    }

    protected override async Task WriteStoredSecretAsync(string accessKeyId, string stored)
    {
        await using var connection = await OpenRawAsync();
        using var command = connection.CreateCommand();
        command.CommandText = "UPDATE access_keys SET access_key_secret = $stored WHERE access_key_id = $id";
        command.Parameters.AddWithValue("$id", accessKeyId);
        command.Parameters.AddWithValue("$stored", stored);
        Assert.Equal(1, await command.ExecuteNonQueryAsync(Ct));
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _folder.Delete(recursive: true);
    }

    [StoreFact]
    public async Task MigrateAsync_NewDatabase_UsesWalAndRecordsEachVersionOnce()
    {
        await Store.MigrateAsync(Ct);

        await using var connection = await OpenRawAsync();
        Assert.Equal("wal", await ScalarAsync<string>(connection, "PRAGMA journal_mode"));
        Assert.Equal(4L, await ScalarAsync<long>(connection, "SELECT count(*) FROM schema_version"));
        Assert.Equal(4L, await ScalarAsync<long>(connection, "SELECT max(version) FROM schema_version"));
    }

    [StoreFact]
    public async Task MigrateAsync_Version1DatabaseWithAnInstance_UpgradesKeepingIt()
    {
        // A database written by a build before ACLs (schema version 1), holding an instance.
        var path = Path.Combine(_folder.FullName, "version1.db");
        var smartAgId = ResourceIds.NewSmartAgId();
        await using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString()))
        {
            await connection.OpenAsync(Ct);
            await new Migrations(Migrations.History[..1]).ApplyAsync(connection, TimeProvider.System, Ct);
            await ScalarAsync<long>(connection, $"""
                INSERT INTO instances (smart_ag_id, region_id, order_id, name, description, cidr_block, user_count, data_plan, period,
                                       charge_type, auto_pay, security_lock_threshold, created_at_ms, ends_at_ms, app_dns, recovered_dns)
                VALUES ('{smartAgId}', '{Region}', 'order', 'old', '', '', 10, 5, 1, 'PREPAY', 1, 0, 0, 0, '[]', '[]')
                RETURNING 0
                """);
        }

        await using var store = new SqliteStore(path, Secrets);
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
        var path = Path.Combine(_folder.FullName, "version3.db");
        var smartAgId = ResourceIds.NewSmartAgId();
        await using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString()))
        {
            await connection.OpenAsync(Ct);
            await new Migrations(Migrations.History[..3]).ApplyAsync(connection, TimeProvider.System, Ct);
            await ScalarAsync<long>(connection, $"""
                INSERT INTO instances (smart_ag_id, region_id, order_id, name, description, cidr_block, user_count, data_plan, period,
                                       charge_type, auto_pay, security_lock_threshold, created_at_ms, ends_at_ms, app_dns, recovered_dns)
                VALUES ('{smartAgId}', '{Region}', 'order', 'old', '', '', 10, 5, 1, 'PREPAY', 1, 0, 0, 0, '[]', '[]')
                RETURNING 0
                """);
        }

        await using var store = new SqliteStore(path, Secrets);
        await store.MigrateAsync(Ct);

        Assert.Equal("old", (await store.FindInstanceByIdAsync(smartAgId, Ct))!.Name);
        var entry = await store.AppendAuditAsync(new AuditEntry(0, T0, "LTAIadmin", "127.0.0.1", "api", "ModifySmartAccessGateway", Region, smartAgId, "", "Success", ""), Ct);
        Assert.Equal([entry], (await store.ListAuditAsync(new AuditQuery { SmartAGId = smartAgId }, 1, 10, Ct)).Items);
    }

    [StoreFact]
    public async Task MigrateAsync_TwoStoresOnAFreshDatabaseAtOnce_BothSucceed()
    {
        var path = Path.Combine(_folder.FullName, "fresh.db");
        await using var first = new SqliteStore(path, Secrets);
        await using var second = new SqliteStore(path, Secrets);

        await Task.WhenAll(Task.Run(() => first.MigrateAsync(Ct)), Task.Run(() => second.MigrateAsync(Ct))).WaitAsync(Timeout);

        var instance = NewInstance();
        await first.AddInstanceAsync(instance, Ct);
        AssertSameInstance(instance, await second.FindInstanceByIdAsync(instance.SmartAGId, Ct));
    }

    [StoreFact]
    public async Task MigrateAsync_DatabaseFromANewerBuild_RefusesWithSqliteException()
    {
        await using (var connection = await OpenRawAsync())
        {
            await ScalarAsync<long>(connection, "INSERT INTO schema_version (version, description, applied_at_ms) VALUES (999, 'future', 0) RETURNING version");
        }

        await using var store = new SqliteStore(DatabasePath, Secrets);
        var refusal = await Assert.ThrowsAsync<SqliteException>(() => store.MigrateAsync(Ct));

        Assert.Contains("999", refusal.Message, StringComparison.Ordinal);
    }

    [StoreFact]
    public async Task MigrateAsync_SecretsStoredInClearByAnOlderVersion_LeaveNoCopyInTheDatabaseOrWalFile()
    {
        // Several rows, so that a rewritten row's old bytes sit between others' and are not simply overwritten by
        // its larger sealed form: only zeroing (secure_delete) removes them there.
        var keys = Enumerable.Range(0, 3).Select(_ => new AccessKey(ResourceIds.NewAccessKeyId(), ResourceIds.NewAccessKeySecret(), Enabled: true, T0)).ToList();
        // An idle connection of the store keeps the raw connections below from being the last one, whose close
        // would checkpoint and delete the WAL: the clear secrets stay in the WAL as well as in the database file.
        await Store.FindInstanceByIdAsync("sag-none", Ct);
        await using (var connection = await OpenRawAsync())
        {
            foreach (var key in keys)
            {
                await ScalarAsync<long>(connection, $"INSERT INTO access_keys VALUES ('{key.AccessKeyId}', '{key.AccessKeySecret}', 1, 0) RETURNING 1");
            }

            await ScalarAsync<long>(connection, "PRAGMA wal_checkpoint(PASSIVE)");
            await ScalarAsync<long>(connection, "UPDATE access_keys SET created_at_ms = 1 RETURNING 1");
        }

        foreach (var key in keys)
        {
            Assert.True(FileContains("opensag.db", key.AccessKeySecret) && FileContains("opensag.db-wal", key.AccessKeySecret), "the test did not put the clear secrets in both files");
        }

        var upgraded = await OpenStoreAsync();

        foreach (var key in keys)
        {
            Assert.False(FileContains("opensag.db", key.AccessKeySecret), "a clear secret is still in opensag.db");
            Assert.False(FileContains("opensag.db-wal", key.AccessKeySecret), "a clear secret is still in opensag.db-wal");
            Assert.Equal(key.AccessKeySecret, (await upgraded.FindAccessKeyAsync(key.AccessKeyId, Ct))!.AccessKeySecret);
        }
    }

    /// <summary>Whether a file of the test's folder holds the text (UTF-8), read while the store may have it open.</summary>
    private bool FileContains(string name, string text)
    {
        var path = Path.Combine(_folder.FullName, name);
        if (!File.Exists(path))
        {
            return false;
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var bytes = new MemoryStream();
        stream.CopyTo(bytes);
        return bytes.GetBuffer().AsSpan(0, (int)bytes.Length).IndexOf(System.Text.Encoding.UTF8.GetBytes(text)) >= 0;
    }

    /// <summary>A connection of the test's own, outside the store, for looking at what the engine wrote.</summary>
    private async Task<SqliteConnection> OpenRawAsync()
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DatabasePath, Pooling = false }.ToString());
        await connection.OpenAsync(Ct);
        return connection;
    }

    private async Task<T> ScalarAsync<T>(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (T)(await command.ExecuteScalarAsync(Ct))!;
    }
}
