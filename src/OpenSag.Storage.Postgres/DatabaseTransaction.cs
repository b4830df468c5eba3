using System.Data;
using Npgsql;

namespace OpenSag.Storage.Postgres;

/// <summary>
/// One pooled connection and one transaction on it, the unit every store operation runs in. Disposing without
/// <see cref="CommitAsync"/> rolls back and returns the connection to the pool.
/// </summary>
internal sealed class DatabaseTransaction : IAsyncDisposable
{
    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlTransaction _transaction;

    private DatabaseTransaction(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        _connection = connection;
        _transaction = transaction;
    }

    /// <param name="isolation">
    /// READ COMMITTED for writes, which take row locks for whatever they check (see PostgresStore.Users), so each
    /// statement after the lock sees the latest committed rows; REPEATABLE READ for reads, so that a listing's total
    /// and its page come from one snapshot (read-only, it never fails with a serialization error).
    /// </param>
    public static async Task<DatabaseTransaction> BeginAsync(NpgsqlDataSource dataSource, IsolationLevel isolation, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            return new DatabaseTransaction(connection, await connection.BeginTransactionAsync(isolation, cancellationToken));
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public NpgsqlCommand Command(string sql) => new(sql, _connection, _transaction);

    public Task CommitAsync(CancellationToken cancellationToken) => _transaction.CommitAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _transaction.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
