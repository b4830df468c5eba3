using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace OpenSag.Storage.Sqlite;

/// <summary>
/// The store's open connections, each keeping the statements it has prepared. Microsoft.Data.Sqlite parses a
/// command's SQL again for every new command object and finalizes it when the command or the connection closes, and
/// parsing was most of a short read's cost (a page of users: 84 µs uncached against 31 µs prepared). So connections
/// stay open here, and each hands out the same prepared command for the same SQL. Opened on demand; at most
/// <see cref="IdleLimit"/> idle ones are kept, the rest closed when returned.
/// </summary>
internal sealed class ConnectionPool(string connectionString) : IDisposable
{
    // Per connection, not per file; no I/O. A writer of another process is waited for up to 5 s, far above the few
    // milliseconds any transaction here holds the lock.
    private const string ConnectionSettings = "PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;";

    /// <summary>Four per core: the concurrent reads the cores can serve plus the writer, with room for bursts.</summary>
    private static readonly int IdleLimit = Math.Max(8, 4 * Environment.ProcessorCount);

    private readonly ConcurrentBag<PooledConnection> _idle = [];
    private int _idleCount;
    private volatile bool _disposed;

    public async Task<PooledConnection> RentAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_idle.TryTake(out var idle))
        {
            Interlocked.Decrement(ref _idleCount);
            return idle;
        }

        var connection = new SqliteConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            using var settings = connection.CreateCommand();
            settings.CommandText = ConnectionSettings;
            await settings.ExecuteNonQueryAsync(cancellationToken);
            return new PooledConnection(connection);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Takes back a connection whose transaction has ended (committed or rolled back).</summary>
    public void Return(PooledConnection connection)
    {
        if (_disposed || Interlocked.Increment(ref _idleCount) > IdleLimit)
        {
            Interlocked.Decrement(ref _idleCount);
            connection.Dispose();
            return;
        }

        _idle.Add(connection);
        if (_disposed && _idle.TryTake(out var late))
        {
            late.Dispose();
        }
    }

    /// <summary>Closes the idle connections; ones still in use are closed when returned.</summary>
    public void Dispose()
    {
        _disposed = true;
        while (_idle.TryTake(out var connection))
        {
            connection.Dispose();
        }
    }
}

/// <summary>One open connection and the commands prepared on it, by SQL text.</summary>
internal sealed class PooledConnection(SqliteConnection connection) : IDisposable
{
    private readonly Dictionary<string, SqliteCommand> _prepared = new(StringComparer.Ordinal);

    public SqliteConnection Connection => connection;

    /// <summary>
    /// The command for <paramref name="sql"/>, prepared once per connection, with no parameters and enlisted in
    /// <paramref name="transaction"/>. It belongs to the connection: callers must not dispose it.
    /// </summary>
    public SqliteCommand Command(string sql, SqliteTransaction? transaction)
    {
        if (!_prepared.TryGetValue(sql, out var command))
        {
            command = connection.CreateCommand();
            command.CommandText = sql;
            _prepared.Add(sql, command);
        }

        command.Parameters.Clear();
        command.Transaction = transaction;
        return command;
    }

    public void Dispose()
    {
        foreach (var command in _prepared.Values)
        {
            command.Dispose();
        }

        connection.Dispose();
    }
}
