using Microsoft.Data.Sqlite;
using OpenSag.Domain;
using OpenSag.Security;

namespace OpenSag.Storage.Sqlite;

/// <summary>
/// The default store: one SQLite database file in the data folder (DESIGN.md §5). Construction does no I/O; call
/// <see cref="MigrateAsync"/> before anything else, as the server does at start.
/// </summary>
/// <remarks>
/// Durability: WAL with <c>synchronous=FULL</c> syncs the log on every commit, so a committed write survives a
/// <c>kill -9</c> of the process and also a power cut (NORMAL would survive only the former). Every write runs in a
/// <c>BEGIN IMMEDIATE</c> transaction, so a check-then-insert is atomic against writers on other threads and
/// processes; concurrent writes share that transaction and its fsync (<see cref="WriteQueue"/>), each in its own
/// savepoint. Instants are stored as Unix milliseconds; anything finer is truncated (<see cref="RowMapping"/>).
/// </remarks>
public sealed partial class SqliteStore : IOpenSagStore
{
    private readonly ConnectionPool _connections;
    private readonly AccessKeySecretCipher _secrets;

    private readonly WriteQueue _writes;
    private bool _disposed;

    /// <param name="databasePath">The database file; created if missing, next to its <c>-wal</c> and <c>-shm</c> files.</param>
    /// <param name="secrets">Seals access-key secrets before they are written and opens them when read.</param>
    public SqliteStore(string databasePath, AccessKeySecretCipher secrets)
    {
        ArgumentException.ThrowIfNullOrEmpty(databasePath);
        ArgumentNullException.ThrowIfNull(secrets);
        _secrets = secrets;
        // Microsoft.Data.Sqlite's own pool is off: ConnectionPool keeps the connections, with their prepared statements.
        _connections = new ConnectionPool(new SqliteConnectionStringBuilder
        {
            DataSource = databasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString());
        _writes = new WriteQueue(ct => DatabaseTransaction.BeginWriteAsync(_connections, ct));
    }

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        // Closed after migrating, not returned: the migration's statements are not worth keeping.
        using var connection = await _connections.RentAsync(cancellationToken);
        // WAL is a property of the file, so setting it once here holds for every later connection; it cannot be
        // changed inside a transaction, hence before the migration steps.
        using (var wal = connection.Connection.CreateCommand())
        {
            wal.CommandText = "PRAGMA journal_mode = WAL";
            var mode = (string?)await wal.ExecuteScalarAsync(cancellationToken);
            if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
            {
                throw new SqliteException($"the database refused WAL journal mode (it stays in '{mode}' mode)", errorCode: 1);
            }
        }

        await Migrations.ApplyAsync(connection.Connection, TimeProvider.System, cancellationToken);
        await SealStoredSecretsAsync(connection.Connection, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_disposed)
        {
            // Writes already queued are committed (or failed) before the pool is closed under them.
            await _writes.DisposeAsync();
            _disposed = true;
            // Closes the idle connections, releasing the file handles (the last close also checkpoints the WAL), so
            // the files can be moved or deleted once the store is gone.
            _connections.Dispose();
        }
    }

    /// <summary>
    /// A write, group-committed with the writes queued alongside it (<see cref="WriteQueue"/>); durable when it
    /// returns. When <paramref name="keep"/> says no, its changes are undone and only its result is returned.
    /// </summary>
    private Task<T> WriteAsync<T>(Func<DatabaseTransaction, CancellationToken, Task<T>> work, CancellationToken cancellationToken, Func<T, bool>? keep = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _writes.WriteAsync(work, keep ?? (_ => true), cancellationToken);
    }

    private async Task WriteAsync(Func<DatabaseTransaction, CancellationToken, Task> work, CancellationToken cancellationToken) =>
        await WriteAsync<bool>(async (transaction, ct) =>
        {
            await work(transaction, ct);
            return true;
        }, cancellationToken);

    /// <summary>Reads of several statements run in a transaction, so that a listing's total and its page agree.</summary>
    private Task<DatabaseTransaction> BeginReadAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return DatabaseTransaction.BeginReadAsync(_connections, cancellationToken);
    }

    /// <summary>For a read of one statement (see <see cref="DatabaseTransaction.BeginSingleStatementAsync"/>).</summary>
    private Task<DatabaseTransaction> BeginSingleReadAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return DatabaseTransaction.BeginSingleStatementAsync(_connections, cancellationToken);
    }

    /// <summary>One page of a listing and the listing's total, from one snapshot.</summary>
    private async Task<Page<T>> ReadPageAsync<T>(
        string columns,
        string fromWhere,
        string orderBy,
        Action<SqliteCommand> bindFilter,
        Func<SqliteDataReader, T> map,
        int pageNumber,
        int pageSize,
        CancellationToken cancellationToken)
    {
        var (limit, offset) = PageWindow(pageNumber, pageSize);
        await using var transaction = await BeginReadAsync(cancellationToken);
        var count = transaction.Command($"SELECT count(*) {fromWhere}");
        bindFilter(count);
        var total = await ReadCountAsync(count, cancellationToken);

        var select = transaction.Command($"SELECT {columns} {fromWhere} ORDER BY {orderBy} LIMIT $limit OFFSET $offset");
        bindFilter(select);
        select.Parameters.AddWithValue("$limit", limit);
        select.Parameters.AddWithValue("$offset", offset);
        var items = await ReadAllAsync(select, map, cancellationToken);
        return new Page<T>(items, checked((int)total), pageNumber, pageSize);
    }

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
