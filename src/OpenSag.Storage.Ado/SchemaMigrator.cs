using System.Data.Common;
using System.Globalization;

namespace OpenSag.Storage.Ado;

/// <summary>One step of a schema's history.</summary>
/// <param name="Version">Position in the history, 1, 2, 3…; recorded in the history table once applied.</param>
/// <param name="Sql">The DDL; never edited once released: a change is a new step with the next version.</param>
public sealed record MigrationStep(int Version, string Description, string Sql);

/// <summary>
/// Brings a schema to its newest version: in one transaction, under a lock that makes a second process (or node)
/// migrating the same database wait, creates the history table if missing, reads the version, refuses a database
/// written by a newer build, and applies the steps it lacks, each with its history row. DDL is transactional on
/// both engines, so a failed upgrade leaves the old schema whole. Each engine gives its lock and its history table.
/// </summary>
/// <remarks>
/// The lock is taken before anything else, even before <c>CREATE TABLE IF NOT EXISTS</c> (which is not safe against
/// a concurrent twin on PostgreSQL: both pass the check and one fails on the catalog's unique index); whoever waits
/// then reads the version the first one committed.
/// </remarks>
public abstract class SchemaMigrator
{
    protected SchemaMigrator(IReadOnlyList<MigrationStep> steps)
    {
        ArgumentNullException.ThrowIfNull(steps);
        for (var i = 0; i < steps.Count; i++)
        {
            if (steps[i].Version != i + 1)
            {
                throw new ArgumentException($"step {i + 1} has version {steps[i].Version}: versions run 1, 2, 3… without gaps", nameof(steps));
            }
        }

        Steps = steps;
    }

    public IReadOnlyList<MigrationStep> Steps { get; }

    /// <summary>The version this build writes; a database already past it was written by a newer build.</summary>
    public int LatestVersion => Steps.Count;

    /// <summary>The table recording the applied versions (a <c>version</c> integer column at least).</summary>
    protected abstract string HistoryTable { get; }

    /// <summary><c>CREATE TABLE IF NOT EXISTS</c> of <see cref="HistoryTable"/>.</summary>
    protected abstract string CreateHistorySql { get; }

    /// <summary>Inserts a history row; may use the parameters <c>@version</c>, <c>@description</c> and <c>@applied</c>.</summary>
    protected abstract string RecordSql { get; }

    /// <summary><c>@applied</c>: the instant a step is applied, as the history table stores it.</summary>
    protected abstract object AppliedAt(DateTimeOffset now);

    /// <summary>Begins the migration's transaction holding the engine's lock against concurrent migrations.</summary>
    protected abstract Task<DbTransaction> BeginExclusiveAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>
    /// The error for a database whose schema is newer than this build's: of the engine's own exception type, like
    /// every other reason the database cannot be used, so the server reports it as such instead of as a bug.
    /// </summary>
    protected abstract Exception NewerThanThisBuild(string message);

    public async Task ApplyAsync(DbConnection connection, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(time);
        await using var transaction = await BeginExclusiveAsync(connection, cancellationToken);
        await ExecuteAsync(transaction, CreateHistorySql, cancellationToken);

        int current;
        await using (var read = Command(transaction, $"SELECT coalesce(max(version), 0) FROM {HistoryTable}"))
        {
            current = Convert.ToInt32(await read.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
        }

        if (current > LatestVersion)
        {
            throw NewerThanThisBuild(
                $"the database has schema version {current}, newer than the {LatestVersion} this build of OpenSAG knows; upgrade OpenSAG");
        }

        foreach (var step in Steps.Where(s => s.Version > current))
        {
            await ExecuteAsync(transaction, step.Sql, cancellationToken);
            await using var record = Command(transaction, RecordSql);
            record.Bind("version", step.Version);
            record.Bind("description", step.Description);
            record.Bind("applied", AppliedAt(time.GetUtcNow()));
            await record.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Runs <paramref name="sql"/> (one or several statements) in <paramref name="transaction"/>.</summary>
    protected static async Task ExecuteAsync(DbTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = Command(transaction, sql);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static DbCommand Command(DbTransaction transaction, string sql)
    {
        var command = transaction.Connection!.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }
}
