using Microsoft.Data.Sqlite;
using OpenSag.Security;
using OpenSag.Storage.Ado;

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
/// savepoint. Instants are stored as Unix milliseconds; anything finer is truncated (<see cref="SqliteDialect"/>).
/// </remarks>
public sealed partial class SqliteStore : RelationalStore
{
    private readonly ConnectionPool _connections;

    private readonly WriteQueue _writes;
    private bool _disposed;

    /// <param name="databasePath">The database file; created if missing, next to its <c>-wal</c> and <c>-shm</c> files.</param>
    /// <param name="secrets">Seals access-key secrets before they are written and opens them when read.</param>
    public SqliteStore(string databasePath, AccessKeySecretCipher secrets)
        : base(SqliteDialect.Instance, secrets)
    {
        ArgumentException.ThrowIfNullOrEmpty(databasePath);
        // Microsoft.Data.Sqlite's own pool is off: ConnectionPool keeps the connections, with their prepared statements.
        _connections = new ConnectionPool(new SqliteConnectionStringBuilder
        {
            DataSource = databasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString());
        _writes = new WriteQueue(ct => DatabaseTransaction.BeginWriteAsync(_connections, ct));
    }

    public override async Task MigrateAsync(CancellationToken cancellationToken)
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

        await Migrations.Instance.ApplyAsync(connection.Connection, TimeProvider.System, cancellationToken);
        await SealAndScrubSecretsAsync(connection, cancellationToken);
    }

    public override async ValueTask DisposeAsync()
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
    /// Group-committed with the writes queued alongside it (<see cref="WriteQueue"/>), each in its own savepoint, so a
    /// write that is not kept is rolled back to it and only its result returned.
    /// </summary>
    protected override Task<T> WriteAsync<T>(Func<StoreTransaction, CancellationToken, Task<T>> work, Func<T, bool> keep, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _writes.WriteAsync(work, keep, cancellationToken);
    }

    /// <summary>
    /// A deferred, read-only snapshot (WAL readers never wait for writers); for a read of one statement, which SQLite
    /// already runs on one snapshot, no transaction at all, saving the BEGIN and the ROLLBACK on the hottest reads
    /// (access key, instance, user).
    /// </summary>
    protected override async Task<StoreTransaction> BeginReadAsync(bool singleStatement, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return singleStatement
            ? await DatabaseTransaction.BeginSingleStatementAsync(_connections, cancellationToken)
            : await DatabaseTransaction.BeginReadAsync(_connections, cancellationToken);
    }

    /// <summary>
    /// Seals the secrets an older version stored in clear (<see cref="RelationalStore.SealStoredSecretsAsync"/>), in one
    /// write transaction; then truncates the WAL so that no copy of a clear secret is left in either file.
    /// </summary>
    /// <remarks>
    /// <c>secure_delete</c> makes SQLite zero the bytes a rewritten row leaves behind in its page, so the new page
    /// image (first in the WAL, then in the database file) holds no trace of the clear value (without it SQLite
    /// often reuses or zeroes that space anyway, but does not promise to); the
    /// <c>TRUNCATE</c> checkpoint then copies those pages over the old ones in the database file and empties the WAL,
    /// which may still hold older page images. The checkpoint runs at every start, not only when something was
    /// sealed, so that one which found a reader in its way (another process on the file) is completed next time.
    /// </remarks>
    /// <exception cref="UnreadableSecretException">A stored secret does not open with this store's key.</exception>
    private async Task SealAndScrubSecretsAsync(PooledConnection connection, CancellationToken cancellationToken)
    {
        await ExecuteAsync(connection, "PRAGMA secure_delete = ON", cancellationToken);
        await using (var transaction = DatabaseTransaction.BeginWrite(connection))
        {
            await SealStoredSecretsAsync(transaction, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        await ExecuteAsync(connection, "PRAGMA wal_checkpoint(TRUNCATE)", cancellationToken);
    }

    private static async Task ExecuteAsync(PooledConnection connection, string sql, CancellationToken cancellationToken)
    {
        using var command = connection.Connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
