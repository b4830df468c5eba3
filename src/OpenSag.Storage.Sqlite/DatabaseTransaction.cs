using Microsoft.Data.Sqlite;

namespace OpenSag.Storage.Sqlite;

/// <summary>
/// One pooled connection and one transaction on it, the unit every store operation runs in. Disposing without
/// <see cref="CommitAsync"/> rolls back, returns the connection to the pool and lets the next in-process writer in.
/// </summary>
internal sealed class DatabaseTransaction : IAsyncDisposable
{
    private readonly SqliteConnection _connection;
    private readonly SqliteTransaction? _transaction;
    private readonly SemaphoreSlim? _writeGate;

    private DatabaseTransaction(SqliteConnection connection, SqliteTransaction? transaction, SemaphoreSlim? writeGate)
    {
        _connection = connection;
        _transaction = transaction;
        _writeGate = writeGate;
    }

    /// <summary>False once SQLite has rolled the transaction back on its own (an I/O error, a full disk).</summary>
    public bool IsActive => _transaction is not null && SQLitePCL.raw.sqlite3_get_autocommit(_connection.Handle) == 0;

    /// <param name="write">
    /// True for <c>BEGIN IMMEDIATE</c>: the write lock is taken before the first read, so what the transaction checks
    /// still holds when it writes, and a waiting writer queues on busy_timeout instead of failing on a stale
    /// snapshot. False for a deferred, read-only snapshot (WAL readers never wait for writers).
    /// </param>
    /// <param name="writeGate">Held by the caller for this writer; released on dispose.</param>
    public static async Task<DatabaseTransaction> BeginAsync(SqliteConnection connection, bool write, SemaphoreSlim? writeGate = null)
    {
        try
        {
            return new DatabaseTransaction(connection, connection.BeginTransaction(deferred: !write), writeGate);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// No transaction: for a read of one statement, which SQLite already runs on one snapshot; saves the BEGIN and
    /// the ROLLBACK round trips on the hottest reads (access key, instance).
    /// </summary>
    public static DatabaseTransaction SingleStatement(SqliteConnection connection) => new(connection, null, null);

    /// <summary>A command enlisted in this transaction (Microsoft.Data.Sqlite refuses one that is not).</summary>
    public SqliteCommand Command(string sql)
    {
        var command = _connection.CreateCommand();
        command.Transaction = _transaction;
        command.CommandText = sql;
        return command;
    }

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

            await _connection.DisposeAsync();
        }
        finally
        {
            _writeGate?.Release();
        }
    }
}
