using System.Data.Common;

namespace OpenSag.Storage.Ado;

/// <summary>
/// What the SQL of <see cref="RelationalStore"/> leaves to the engine: how an instant and a list of strings are
/// stored, how a statement asks whether a column is in a list, and how a write locks what it checks. Statements
/// name parameters <c>@name</c>, which both PostgreSQL (Npgsql) and SQLite accept, and bind them by bare name.
/// </summary>
public abstract class SqlDialect
{
    /// <summary>
    /// Appended to a SELECT whose rows a write then checks and changes: <c>FOR UPDATE</c> where concurrent writers
    /// run at once (PostgreSQL), empty where the write transaction already excludes every other writer (SQLite).
    /// </summary>
    public abstract string ForUpdate { get; }

    /// <summary>The column holding the instant <paramref name="name"/> (e.g. <c>created_at</c>), as the engine names it.</summary>
    public abstract string Instant(string name);

    /// <summary>An instant as its column stores it (whole milliseconds; finer parts are truncated).</summary>
    public abstract object ToInstant(DateTimeOffset value);

    /// <summary>An instant column as UTC.</summary>
    public abstract DateTimeOffset ReadInstant(DbDataReader row, int ordinal);

    /// <summary>A list of strings as its column stores it.</summary>
    public abstract object ToList(IEnumerable<string> values);

    /// <summary>A list-of-strings column.</summary>
    public abstract string[] ReadList(DbDataReader row, int ordinal);

    /// <summary>
    /// Binds a list of strings, or NULL when <paramref name="values"/> is: typed, since <c>@p IS NULL</c> alone leaves
    /// PostgreSQL unable to infer the parameter's type.
    /// </summary>
    public abstract void BindList(DbCommand command, string name, IEnumerable<string>? values);

    /// <summary>A condition true when <paramref name="column"/> equals an element of the list parameter <paramref name="parameter"/>.</summary>
    public abstract string InList(string column, string parameter);

    /// <summary>A condition true when the text parameter <paramref name="parameter"/> occurs in <paramref name="column"/>, letter case counting.</summary>
    public abstract string Contains(string column, string parameter);

    /// <summary>
    /// Whether <paramref name="exception"/> is a violation of the unique index <paramref name="index"/> (a primary key
    /// is not one of them).
    /// </summary>
    public abstract bool IsUniqueViolation(DbException exception, string index);

    /// <summary>
    /// Takes a lock, held until the transaction ends, that serializes writes whose check reads rows of other keys
    /// (two CIDR blocks, two instances) where a row lock cannot; nothing where the write transaction already excludes
    /// every other writer.
    /// </summary>
    public abstract Task LockAsync(StoreTransaction transaction, long key, CancellationToken cancellationToken);
}
