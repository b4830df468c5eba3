using System.Data;
using Npgsql;
using OpenSag.Domain;
using OpenSag.Security;

namespace OpenSag.Storage.Postgres;

/// <summary>
/// The store for several nodes: one PostgreSQL database that every node shares (DESIGN.md §5). Construction does no
/// I/O; call <see cref="MigrateAsync"/> before anything else, as the server does at start.
/// </summary>
/// <remarks>
/// Durability: a commit returns once PostgreSQL has flushed its WAL, which is the server's default
/// (<c>synchronous_commit = on</c>); a database configured otherwise can lose answered writes in a crash of the
/// database server, though never in one of OpenSAG's. Every operation is one transaction on a pooled connection of
/// this store's <see cref="NpgsqlDataSource"/>. Instants keep whole milliseconds (<see cref="RowMapping"/>).
/// </remarks>
public sealed partial class PostgresStore : IOpenSagStore
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly AccessKeySecretCipher _secrets;
    private bool _disposed;

    /// <param name="connectionString">An Npgsql connection string, e.g. <c>Host=db;Username=opensag;Database=opensag</c>.</param>
    /// <param name="secrets">Seals access-key secrets before they are written and opens them when read.</param>
    /// <exception cref="ArgumentException">The connection string is malformed.</exception>
    public PostgresStore(string connectionString, AccessKeySecretCipher secrets)
    {
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        ArgumentNullException.ThrowIfNull(secrets);
        _secrets = secrets;
        _dataSource = NpgsqlDataSource.Create(connectionString);
    }

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await Migrations.ApplyAsync(_dataSource, TimeProvider.System, cancellationToken);
        await SealStoredSecretsAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_disposed)
        {
            _disposed = true;
            // Closes the pool's idle connections, so a stopped store holds no server backend.
            await _dataSource.DisposeAsync();
        }
    }

    private Task<DatabaseTransaction> BeginWriteAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return DatabaseTransaction.BeginAsync(_dataSource, IsolationLevel.ReadCommitted, cancellationToken);
    }

    private Task<DatabaseTransaction> BeginReadAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return DatabaseTransaction.BeginAsync(_dataSource, IsolationLevel.RepeatableRead, cancellationToken);
    }

    /// <summary>LIMIT and OFFSET of a 1-based page; the offset is a long so that a huge page number cannot overflow.</summary>
    private static (long Limit, long Offset) PageWindow(int pageNumber, int pageSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pageNumber, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        return (pageSize, (pageNumber - 1L) * pageSize);
    }

    /// <summary>
    /// One page of a listing and the unpaged total, both from the read transaction's single snapshot.
    /// </summary>
    /// <param name="fromWhere">The FROM and WHERE clauses; <paramref name="bindFilter"/> binds their parameters.</param>
    private async Task<Page<T>> ReadPageAsync<T>(
        string columns,
        string fromWhere,
        string orderBy,
        Action<NpgsqlCommand> bindFilter,
        Func<NpgsqlDataReader, T> map,
        int pageNumber,
        int pageSize,
        CancellationToken cancellationToken)
    {
        var (limit, offset) = PageWindow(pageNumber, pageSize);
        await using var transaction = await BeginReadAsync(cancellationToken);
        await using var count = transaction.Command($"SELECT count(*) {fromWhere}");
        bindFilter(count);
        var total = (long)(await count.ExecuteScalarAsync(cancellationToken))!;

        await using var select = transaction.Command($"SELECT {columns} {fromWhere} ORDER BY {orderBy} LIMIT @limit OFFSET @offset");
        bindFilter(select);
        select.Parameters.AddWithValue("limit", limit);
        select.Parameters.AddWithValue("offset", offset);
        var items = await ReadAllAsync(select, map, cancellationToken);
        return new Page<T>(items, checked((int)total), pageNumber, pageSize);
    }

    private static async Task<List<T>> ReadAllAsync<T>(NpgsqlCommand command, Func<NpgsqlDataReader, T> map, CancellationToken cancellationToken)
    {
        var items = new List<T>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(map(reader));
        }

        return items;
    }

    private static async Task<T?> ReadFirstAsync<T>(NpgsqlCommand command, Func<NpgsqlDataReader, T> map, CancellationToken cancellationToken)
        where T : class
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? map(reader) : null;
    }
}
