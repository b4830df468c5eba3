using Microsoft.Data.Sqlite;

namespace OpenSag.Storage.Sqlite;

/// <summary>
/// One pooled connection and one transaction on it, the unit every store operation runs in. Disposing without
/// <see cref="CommitAsync"/> rolls back, returns the connection to the pool and lets the next in-process writer in.
/// </summary>
internal sealed class DatabaseTransaction : IAsyncDisposable
{
    private readonly ConnectionPool _pool;
    private readonly PooledConnection _connection;
    private readonly SqliteTransaction? _transaction;
    private readonly SemaphoreSlim? _writeGate;

    private DatabaseTransaction(ConnectionPool pool, PooledConnection connection, SqliteTransaction? transaction, SemaphoreSlim? writeGate)
    {
        _pool = pool;
        _connection = connection;
        _transaction = transaction;
        _writeGate = writeGate;
    }

    /// <summary>False once SQLite has rolled the transaction back on its own (an I/O error, a full disk).</summary>
    public bool IsActive => _transaction is not null && SQLitePCL.raw.sqlite3_get_autocommit(_connection.Connection.Handle) == 0;

    /// <summary>
    /// <c>BEGIN IMMEDIATE</c>: the write lock is taken before the first read, so what the transaction checks still
    /// holds when it writes, and a writer of another process queues on busy_timeout instead of failing on a stale
    /// snapshot.
    /// </summary>
    /// <param name="writeGate">Held by the caller for this writer; released on dispose.</param>
    public static Task<DatabaseTransaction> BeginWriteAsync(ConnectionPool pool, SemaphoreSlim writeGate, CancellationToken cancellationToken) =>
        BeginAsync(pool, deferred: false, writeGate, cancellationToken);

    /// <summary>A deferred, read-only snapshot (WAL readers never wait for writers), for reads of several statements.</summary>
    public static Task<DatabaseTransaction> BeginReadAsync(ConnectionPool pool, CancellationToken cancellationToken) =>
        BeginAsync(pool, deferred: true, writeGate: null, cancellationToken);

    /// <summary>
    /// No transaction: for a read of one statement, which SQLite already runs on one snapshot; saves the BEGIN and
    /// the ROLLBACK on the hottest reads (access key, instance, user).
    /// </summary>
    public static async Task<DatabaseTransaction> BeginSingleStatementAsync(ConnectionPool pool, CancellationToken cancellationToken) =>
        new(pool, await pool.RentAsync(cancellationToken), null, null);

    private static async Task<DatabaseTransaction> BeginAsync(ConnectionPool pool, bool deferred, SemaphoreSlim? writeGate, CancellationToken cancellationToken)
    {
        var connection = await pool.RentAsync(cancellationToken);
        try
        {
            return new DatabaseTransaction(pool, connection, connection.Connection.BeginTransaction(deferred), writeGate);
        }
        catch
        {
            // A connection that could not begin may be in any state: closed, not pooled.
            connection.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The connection's prepared command for <paramref name="sql"/>, enlisted in this transaction, parameters empty.
    /// It belongs to the connection (that is what keeps it prepared): do not dispose it.
    /// </summary>
    public SqliteCommand Command(string sql) => _connection.Command(sql, _transaction);

    public Task CommitAsync(CancellationToken cancellationToken) =>
        (_transaction ?? throw new InvalidOperationException("a single-statement read has nothing to commit")).CommitAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_transaction is not null)
            {
                await _transaction.DisposeAsync();
            }

            _pool.Return(_connection);
        }
        catch
        {
            _connection.Dispose();
            throw;
        }
        finally
        {
            _writeGate?.Release();
        }
    }
}
