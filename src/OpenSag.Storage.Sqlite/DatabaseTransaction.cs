using Microsoft.Data.Sqlite;
using OpenSag.Storage.Ado;

namespace OpenSag.Storage.Sqlite;

/// <summary>
/// One pooled connection and one transaction on it, the unit every store operation runs in (a write batch of
/// <see cref="WriteQueue"/> being one). Disposing without <see cref="CommitAsync"/> rolls back and returns the
/// connection to the pool (or, for one begun on a connection the caller holds, leaves it to the caller).
/// </summary>
internal sealed class DatabaseTransaction : StoreTransaction
{
    private readonly ConnectionPool? _pool;
    private readonly PooledConnection _connection;
    private readonly SqliteTransaction? _transaction;

    private DatabaseTransaction(ConnectionPool? pool, PooledConnection connection, SqliteTransaction? transaction)
    {
        _pool = pool;
        _connection = connection;
        _transaction = transaction;
    }

    /// <summary>False once SQLite has rolled the transaction back on its own (an I/O error, a full disk).</summary>
    public bool IsActive => _transaction is not null && SQLitePCL.raw.sqlite3_get_autocommit(_connection.Connection.Handle) == 0;

    /// <summary>
    /// <c>BEGIN IMMEDIATE</c>: the write lock is taken before the first read, so what the transaction checks still
    /// holds when it writes, and a writer of another process queues on busy_timeout instead of failing on a stale
    /// snapshot.
    /// </summary>
    public static Task<DatabaseTransaction> BeginWriteAsync(ConnectionPool pool, CancellationToken cancellationToken) =>
        BeginAsync(pool, deferred: false, cancellationToken);

    /// <summary>A write transaction on a connection the caller holds and closes (the migration's).</summary>
    public static DatabaseTransaction BeginWrite(PooledConnection connection) => new(null, connection, connection.Connection.BeginTransaction(deferred: false));

    /// <summary>A deferred, read-only snapshot (WAL readers never wait for writers), for reads of several statements.</summary>
    public static Task<DatabaseTransaction> BeginReadAsync(ConnectionPool pool, CancellationToken cancellationToken) =>
        BeginAsync(pool, deferred: true, cancellationToken);

    /// <summary>
    /// No transaction: for a read of one statement, which SQLite already runs on one snapshot; saves the BEGIN and
    /// the ROLLBACK on the hottest reads (access key, instance, user).
    /// </summary>
    public static async Task<DatabaseTransaction> BeginSingleStatementAsync(ConnectionPool pool, CancellationToken cancellationToken) =>
        new(pool, await pool.RentAsync(cancellationToken), null);

    private static async Task<DatabaseTransaction> BeginAsync(ConnectionPool pool, bool deferred, CancellationToken cancellationToken)
    {
        var connection = await pool.RentAsync(cancellationToken);
        try
        {
            return new DatabaseTransaction(pool, connection, connection.Connection.BeginTransaction(deferred));
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
    public override SqliteCommand Command(string sql) => _connection.Command(sql, _transaction);

    public Task CommitAsync(CancellationToken cancellationToken) => Transaction.CommitAsync(cancellationToken);

    /// <summary>Marks a point the transaction can be rolled back to (SQL <c>SAVEPOINT</c>).</summary>
    public void Save(string savepoint) => Transaction.Save(savepoint);

    /// <summary>Keeps what was done since <paramref name="savepoint"/> as part of the transaction.</summary>
    public void Release(string savepoint) => Transaction.Release(savepoint);

    /// <summary>Undoes what was done since <paramref name="savepoint"/> and forgets the savepoint; the rest stays.</summary>
    public void RollbackTo(string savepoint)
    {
        Transaction.Rollback(savepoint);
        Transaction.Release(savepoint);
    }

    private SqliteTransaction Transaction => _transaction ?? throw new InvalidOperationException("a single-statement read has no transaction");

    public override async ValueTask DisposeAsync()
    {
        if (_pool is null)
        {
            await (_transaction?.DisposeAsync() ?? ValueTask.CompletedTask);
            return;
        }

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
    }
}
