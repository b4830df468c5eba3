using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;

namespace OpenSag.Storage.Sqlite;

/// <summary>
/// The default store: one SQLite database file in the data folder (DESIGN.md §5). Construction does no I/O; call
/// <see cref="MigrateAsync"/> before anything else, as the server does at start.
/// </summary>
/// <remarks>
/// Durability: WAL with <c>synchronous=FULL</c> syncs the log on every commit, so a committed write survives a
/// <c>kill -9</c> of the process and also a power cut (NORMAL would survive only the former). Every write runs in a
/// <c>BEGIN IMMEDIATE</c> transaction, so a check-then-insert is atomic against writers on other threads and
/// processes. Instants are stored as Unix milliseconds; anything finer is truncated (<see cref="RowMapping"/>).
/// </remarks>
public sealed partial class SqliteStore : IOpenSagStore
{
    // Per connection, not per file: a pooled connection keeps them, a new one needs them; no I/O. A writer waits up
    // to 5 s for another's lock, far above the few milliseconds any transaction here holds it. foreign_keys is here
    // rather than in the connection string, which would re-run it on every open from the pool.
    private const string ConnectionSettings = "PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;";

    /// <summary>
    /// The physical connections (SQLite handles, which the pool keeps across opens) already given
    /// <see cref="ConnectionSettings"/>: running them on every open cost a statement per operation. Weak, so a
    /// handle the pool closes is forgotten with it.
    /// </summary>
    private static readonly ConditionalWeakTable<SQLitePCL.sqlite3, object> Configured = [];

    private readonly string _connectionString;

    /// <summary>
    /// One in-process writer at a time: the others wait here, asynchronously and in order, instead of in SQLite's
    /// busy handler, which sleeps a thread-pool thread and retries. busy_timeout still covers other processes.
    /// </summary>
    private readonly SemaphoreSlim _writeGate = new(1, 1);

    private readonly GenerationBumpQueue _generationBumps;
    private bool _disposed;

    /// <param name="databasePath">The database file; created if missing, next to its <c>-wal</c> and <c>-shm</c> files.</param>
    public SqliteStore(string databasePath)
    {
        ArgumentException.ThrowIfNullOrEmpty(databasePath);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = databasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
        }.ToString();
        _generationBumps = new GenerationBumpQueue(BeginWriteAsync);
    }

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        // WAL is a property of the file, so setting it once here holds for every later connection; it cannot be
        // changed inside a transaction, hence before the migration steps.
        using (var wal = connection.CreateCommand())
        {
            wal.CommandText = "PRAGMA journal_mode = WAL";
            var mode = (string?)await wal.ExecuteScalarAsync(cancellationToken);
            if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
            {
                throw new SqliteException($"the database refused WAL journal mode (it stays in '{mode}' mode)", errorCode: 1);
            }
        }

        await Migrations.ApplyAsync(connection, TimeProvider.System, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_disposed)
        {
            // Bumps already queued are committed (or failed) before the pool is closed under them.
            await _generationBumps.DisposeAsync();
            _disposed = true;
            // Closes this database's idle pooled connections, releasing the file handles (the last close also
            // checkpoints the WAL), so the files can be moved or deleted once the store is gone.
            using var connection = new SqliteConnection(_connectionString);
            SqliteConnection.ClearPool(connection);
        }
    }

    private async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            if (!Configured.TryGetValue(connection.Handle!, out _))
            {
                using var settings = connection.CreateCommand();
                settings.CommandText = ConnectionSettings;
                await settings.ExecuteNonQueryAsync(cancellationToken);
                Configured.AddOrUpdate(connection.Handle!, Configured);
            }

            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private async Task<DatabaseTransaction> BeginWriteAsync(CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            return await DatabaseTransaction.BeginAsync(await OpenAsync(cancellationToken), write: true, _writeGate);
        }
        catch
        {
            _writeGate.Release();
            throw;
        }
    }

    /// <summary>Reads run in a transaction too, so that a listing's total and its page come from one snapshot.</summary>
    private async Task<DatabaseTransaction> BeginReadAsync(CancellationToken cancellationToken) =>
        await DatabaseTransaction.BeginAsync(await OpenAsync(cancellationToken), write: false);

    /// <summary>For a read of one statement (see <see cref="DatabaseTransaction.SingleStatement"/>).</summary>
    private async Task<DatabaseTransaction> BeginSingleReadAsync(CancellationToken cancellationToken) =>
        DatabaseTransaction.SingleStatement(await OpenAsync(cancellationToken));

    /// <summary>LIMIT and OFFSET of a 1-based page; the offset is a long so that a huge page number cannot overflow.</summary>
    private static (long Limit, long Offset) PageWindow(int pageNumber, int pageSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pageNumber, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        return (pageSize, (pageNumber - 1L) * pageSize);
    }

    private static async Task<List<T>> ReadAllAsync<T>(SqliteCommand command, Func<SqliteDataReader, T> map, CancellationToken cancellationToken)
    {
        var items = new List<T>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(map(reader));
        }

        return items;
    }

    private static async Task<T?> ReadFirstAsync<T>(SqliteCommand command, Func<SqliteDataReader, T> map, CancellationToken cancellationToken)
        where T : class
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? map(reader) : null;
    }

    private static async Task<long> ReadCountAsync(SqliteCommand command, CancellationToken cancellationToken) =>
        (long)(await command.ExecuteScalarAsync(cancellationToken))!;
}
