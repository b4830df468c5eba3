using Microsoft.Data.Sqlite;
using OpenSag.Domain;
using OpenSag.Storage.Sqlite;
using OpenSag.Storage.Tests.Contract;

namespace OpenSag.Storage.Tests.Sqlite;

/// <summary>The storage kit on SQLite, one database file per test in its own temporary folder, plus what only SQLite has.</summary>
public sealed class SqliteStoreTests : StoreContract
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("opensag-storage-tests-");

    private string DatabasePath => Path.Combine(_folder.FullName, "opensag.db");

    protected override IOpenSagStore CreateStore() => new SqliteStore(DatabasePath);

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
        Assert.Equal(1L, await ScalarAsync<long>(connection, "SELECT count(*) FROM schema_version"));
        Assert.Equal(1L, await ScalarAsync<long>(connection, "SELECT max(version) FROM schema_version"));
    }

    [StoreFact]
    public async Task MigrateAsync_TwoStoresOnAFreshDatabaseAtOnce_BothSucceed()
    {
        var path = Path.Combine(_folder.FullName, "fresh.db");
        await using var first = new SqliteStore(path);
        await using var second = new SqliteStore(path);

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

        await using var store = new SqliteStore(DatabasePath);
        var refusal = await Assert.ThrowsAsync<SqliteException>(() => store.MigrateAsync(Ct));

        Assert.Contains("999", refusal.Message, StringComparison.Ordinal);
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
