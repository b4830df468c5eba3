using System.Data;
using Npgsql;
using OpenSag.Storage.Ado;

namespace OpenSag.Storage.Postgres;

/// <summary>
/// One pooled connection and one transaction on it, the unit every store operation runs in. Disposing without
/// <see cref="CommitAsync"/> rolls back and returns the connection to the pool.
/// </summary>
internal sealed class DatabaseTransaction : StoreTransaction
{
    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlTransaction _transaction;
    private readonly List<NpgsqlCommand> _commands = [];

    private DatabaseTransaction(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        _connection = connection;
        _transaction = transaction;
    }

    /// <param name="isolation">
    /// READ COMMITTED for writes, which take row locks for whatever they check (see RelationalStore.Users), so each
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

    /// <summary>A new command, disposed with the transaction.</summary>
    public override NpgsqlCommand Command(string sql)
    {
        var command = new NpgsqlCommand(sql, _connection, _transaction);
        _commands.Add(command);
        return command;
    }

    public Task CommitAsync(CancellationToken cancellationToken) => _transaction.CommitAsync(cancellationToken);

    public override async ValueTask DisposeAsync()
    {
        foreach (var command in _commands)
        {
            await command.DisposeAsync();
        }

        await _transaction.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
