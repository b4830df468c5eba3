using System.Data.Common;
using Npgsql;
using OpenSag.Storage.Ado;

namespace OpenSag.Storage.Postgres;

/// <summary>
/// <see cref="SchemaMigrator"/> on PostgreSQL: the migration's transaction first takes a transaction-scoped advisory
/// lock, so nodes starting together on one database migrate it one after the other. Serves the store's schema and
/// the cluster's, each with its own history table and lock key, so the two evolve without renumbering each other.
/// </summary>
public sealed class PostgresSchemaMigrator : SchemaMigrator
{
    private readonly long _lockKey;
    private readonly bool _recordsDescription;

    /// <param name="historyTable">The table of applied versions, created if missing.</param>
    /// <param name="lockKey">The advisory lock key, distinct per schema (e.g. a short name in ASCII).</param>
    /// <param name="recordsDescription">Whether the history table has a description column (the cluster's has none).</param>
    public PostgresSchemaMigrator(IReadOnlyList<MigrationStep> steps, string historyTable, long lockKey, bool recordsDescription)
        : base(steps)
    {
        ArgumentException.ThrowIfNullOrEmpty(historyTable);
        HistoryTable = historyTable;
        _lockKey = lockKey;
        _recordsDescription = recordsDescription;
    }

    protected override string HistoryTable { get; }

    protected override string CreateHistorySql => _recordsDescription
        ? $"""
            CREATE TABLE IF NOT EXISTS {HistoryTable} (
                version     integer     NOT NULL PRIMARY KEY,
                description text        NOT NULL,
                applied_at  timestamptz NOT NULL
            )
            """
        : $"CREATE TABLE IF NOT EXISTS {HistoryTable} (version integer NOT NULL PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())";

    protected override string RecordSql => _recordsDescription
        ? $"INSERT INTO {HistoryTable} (version, description, applied_at) VALUES (@version, @description, @applied)"
        : $"INSERT INTO {HistoryTable} (version, applied_at) VALUES (@version, @applied)";

    protected override object AppliedAt(DateTimeOffset now) => PostgresDialect.Instance.ToInstant(now);

    /// <summary>Applies the steps the database of <paramref name="dataSource"/> lacks (see <see cref="SchemaMigrator"/>).</summary>
    public async Task ApplyAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await ApplyAsync(connection, TimeProvider.System, cancellationToken);
    }

    protected override async Task<DbTransaction> BeginExclusiveAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        var transaction = await connection.BeginTransactionAsync(cancellationToken);
        try
        {
            await ExecuteAsync(transaction, $"SELECT pg_advisory_xact_lock({_lockKey})", cancellationToken);
            return transaction;
        }
        catch
        {
            await transaction.DisposeAsync();
            throw;
        }
    }

    protected override Exception NewerThanThisBuild(string message) => new NpgsqlException(message);
}
