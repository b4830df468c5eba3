using Microsoft.Data.Sqlite;

namespace OpenSag.Storage.Sqlite;

/// <summary>
/// One pooled connection and one transaction on it, the unit every store operation runs in. Disposing without
/// <see cref="CommitAsync"/> rolls back and returns the connection to the pool.
/// </summary>
internal sealed class DatabaseTransaction : IAsyncDisposable
{
    private readonly SqliteConnection _connection;
    private readonly SqliteTransaction _transaction;

    private DatabaseTransaction(SqliteConnection connection, SqliteTransaction transaction)
    {
        _connection = connection;
        _transaction = transaction;
    }

    /// <param name="write">
    /// True for <c>BEGIN IMMEDIATE</c>: the write lock is taken before the first read, so what the transaction checks
    /// still holds when it writes, and a waiting writer queues on busy_timeout instead of failing on a stale
    /// snapshot. False for a deferred, read-only snapshot (WAL readers never wait for writers).
    /// </param>
    public static async Task<DatabaseTransaction> BeginAsync(SqliteConnection connection, bool write)
    {
        try
        {
            return new DatabaseTransaction(connection, connection.BeginTransaction(deferred: !write));
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>A command enlisted in this transaction (Microsoft.Data.Sqlite refuses one that is not).</summary>
    public SqliteCommand Command(string sql)
    {
        var command = _connection.CreateCommand();
        command.Transaction = _transaction;
        command.CommandText = sql;
        return command;
    }

    public Task CommitAsync(CancellationToken cancellationToken) => _transaction.CommitAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _transaction.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
