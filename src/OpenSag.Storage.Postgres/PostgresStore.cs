using System.Data;
using System.Diagnostics;
using Npgsql;
using OpenSag.Security;
using OpenSag.Storage.Ado;

namespace OpenSag.Storage.Postgres;

/// <summary>
/// The store for several nodes: one PostgreSQL database that every node shares (DESIGN.md §5). Construction does no
/// I/O; call <see cref="MigrateAsync"/> before anything else, as the server does at start.
/// </summary>
/// <remarks>
/// Durability: a commit returns once PostgreSQL has flushed its WAL, which is the server's default
/// (<c>synchronous_commit = on</c>); a database configured otherwise can lose answered writes in a crash of the
/// database server, though never in one of OpenSAG's. Every operation is one transaction on a pooled connection of
/// this store's <see cref="NpgsqlDataSource"/>. Instants keep whole milliseconds (<see cref="PostgresDialect"/>).
/// </remarks>
public sealed partial class PostgresStore : RelationalStore
{
    private readonly NpgsqlDataSource _dataSource;
    private bool _disposed;

    /// <param name="connectionString">An Npgsql connection string, e.g. <c>Host=db;Username=opensag;Database=opensag</c>.</param>
    /// <param name="secrets">Seals access-key secrets before they are written and opens them when read.</param>
    /// <exception cref="ArgumentException">The connection string is malformed.</exception>
    public PostgresStore(string connectionString, AccessKeySecretCipher secrets)
        : base(PostgresDialect.Instance, secrets)
    {
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        _dataSource = NpgsqlDataSource.Create(connectionString);
    }

    public override async Task MigrateAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await Migrations.Migrator.ApplyAsync(_dataSource, cancellationToken);
        await SealAndScrubSecretsAsync(cancellationToken);
    }

    public override async ValueTask DisposeAsync()
    {
        if (!_disposed)
        {
            _disposed = true;
            // Closes the pool's idle connections, so a stopped store holds no server backend.
            await _dataSource.DisposeAsync();
        }
    }

    /// <summary>One READ COMMITTED transaction per write, committed when kept.</summary>
    protected override async Task<T> WriteAsync<T>(Func<StoreTransaction, CancellationToken, Task<T>> work, Func<T, bool> keep, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        ArgumentNullException.ThrowIfNull(keep);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var started = Stopwatch.GetTimestamp();
        var committed = false;
        try
        {
            await using var transaction = await DatabaseTransaction.BeginAsync(_dataSource, IsolationLevel.ReadCommitted, cancellationToken);
            var result = await work(transaction, cancellationToken);
            if (keep(result))
            {
                await transaction.CommitAsync(cancellationToken);
            }

            committed = true;
            return result;
        }
        finally
        {
            // Each write is its own transaction: a batch of 1 (a refused check-then-write rolls back, and counts as done).
            StoreMetrics.Batch("postgres", 1, Stopwatch.GetElapsedTime(started), committed);
        }
    }

    /// <summary>REPEATABLE READ, one statement or several alike: a read-only snapshot.</summary>
    protected override async Task<StoreTransaction> BeginReadAsync(bool singleStatement, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return await DatabaseTransaction.BeginAsync(_dataSource, IsolationLevel.RepeatableRead, cancellationToken);
    }

    /// <summary>
    /// Seals the secrets an older version stored in clear (<see cref="RelationalStore.SealStoredSecretsAsync"/>), then
    /// rewrites the table if any was sealed.
    /// </summary>
    /// <remarks>
    /// The rewritten rows leave their clear versions behind as dead tuples in the table's pages, which autovacuum
    /// would not soon reclaim for so small a table and which a plain VACUUM leaves in the page's free space; so
    /// after sealing the table is rewritten with <c>VACUUM FULL</c> (a table of a few rows; an owner-only command,
    /// which PostgreSQL skips with a warning for another role). PostgreSQL's own WAL and backups made before the
    /// upgrade still hold the clear secrets: README tells operators to replace those keys.
    /// </remarks>
    /// <exception cref="Security.UnreadableSecretException">A stored secret does not open with this store's key.</exception>
    private async Task SealAndScrubSecretsAsync(CancellationToken cancellationToken)
    {
        if (await WriteAsync(SealStoredSecretsAsync, cancellationToken) > 0)
        {
            await using var vacuum = _dataSource.CreateCommand("VACUUM FULL access_keys");
            await vacuum.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}
