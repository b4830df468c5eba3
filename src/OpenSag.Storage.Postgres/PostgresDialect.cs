using System.Data.Common;
using Npgsql;
using NpgsqlTypes;
using OpenSag.Storage.Ado;

namespace OpenSag.Storage.Postgres;

/// <summary>
/// PostgreSQL's storage of instants and lists, and its locks. Instants are <c>timestamptz</c>, readable by an
/// operator with psql; PostgreSQL keeps microseconds, but the store contract is whole milliseconds (as on SQLite), so
/// <see cref="ToInstant"/> truncates before writing, and converts to UTC, the only offset Npgsql writes to a
/// <c>timestamptz</c>. Lists of strings are <c>text[]</c>. Writes run concurrently (from any node), so a write locks
/// what it checks: rows with <c>FOR UPDATE</c>, anything wider with a transaction-scoped advisory lock.
/// </summary>
internal sealed class PostgresDialect : SqlDialect
{
    public static PostgresDialect Instance { get; } = new();

    public override string ForUpdate => "FOR UPDATE";

    public override string Instant(string name) => name;

    public override object ToInstant(DateTimeOffset value) => DateTimeOffset.FromUnixTimeMilliseconds(value.ToUnixTimeMilliseconds());

    /// <summary>Npgsql reads a <c>timestamptz</c> as a UTC <see cref="DateTimeOffset"/>, as SQLite's store returns it.</summary>
    public override DateTimeOffset ReadInstant(DbDataReader row, int ordinal) => row.GetFieldValue<DateTimeOffset>(ordinal);

    public override object ToList(IEnumerable<string> values) => values as string[] ?? [.. values];

    public override string[] ReadList(DbDataReader row, int ordinal) => row.GetFieldValue<string[]>(ordinal);

    public override void BindList(DbCommand command, string name, IEnumerable<string>? values)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Parameters.Add(new NpgsqlParameter(name, NpgsqlDbType.Array | NpgsqlDbType.Text)
        {
            Value = values is null ? DBNull.Value : ToList(values),
        });
    }

    public override string InList(string column, string parameter) => $"{column} = ANY (@{parameter})";

    /// <remarks><c>strpos</c>, not <c>LIKE</c>: no pattern characters to escape.</remarks>
    public override string Contains(string column, string parameter) => $"strpos({column}, @{parameter}) > 0";

    public override bool IsUniqueViolation(DbException exception, string index) =>
        exception is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } violation && violation.ConstraintName == index;

    /// <remarks>Advisory locks are per database, so the key only makes nodes sharing one database wait for each other.</remarks>
    public override async Task LockAsync(StoreTransaction transaction, long key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        await transaction.Command($"SELECT pg_advisory_xact_lock({key})").ExecuteNonQueryAsync(cancellationToken);
    }
}
