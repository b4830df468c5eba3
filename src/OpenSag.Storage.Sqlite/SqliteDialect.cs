using System.Data;
using System.Data.Common;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Data.Sqlite;
using OpenSag.Storage.Ado;

namespace OpenSag.Storage.Sqlite;

/// <summary>
/// SQLite's storage of instants and lists. An instant is an INTEGER of Unix milliseconds in a column named
/// <c>…_ms</c>: integers order and compare exactly, and a value written is read back equal (as UTC) as long as it has
/// no sub-millisecond part, which the services truncate before writing. A list of strings is a JSON array in a TEXT
/// column, and a list parameter one JSON array unpacked by <c>json_each</c>. No write needs a lock of its own: every
/// write transaction is <c>BEGIN IMMEDIATE</c> and excludes all other writers from its start.
/// </summary>
internal sealed partial class SqliteDialect : SqlDialect
{
    /// <summary>SQLITE_CONSTRAINT_UNIQUE; a primary key reports SQLITE_CONSTRAINT_PRIMARYKEY instead.</summary>
    private const int ConstraintUnique = 2067;

    public static SqliteDialect Instance { get; } = new();

    public override string ForUpdate => "";

    public override string Instant(string name) => name + "_ms";

    public override object ToInstant(DateTimeOffset value) => value.ToUnixTimeMilliseconds();

    public override DateTimeOffset ReadInstant(DbDataReader row, int ordinal) => DateTimeOffset.FromUnixTimeMilliseconds(row.GetInt64(ordinal));

    public override object ToList(IEnumerable<string> values) => ToJson(values);

    public override string[] ReadList(DbDataReader row, int ordinal) =>
        JsonSerializer.Deserialize(row.GetString(ordinal), StringArrayJson.Default.StringArray) ?? [];

    public override void BindList(DbCommand command, string name, IEnumerable<string>? values) =>
        command.BindOptional(name, DbType.String, values is null ? null : ToJson(values));

    public override string InList(string column, string parameter) => $"{column} IN (SELECT value FROM json_each(@{parameter}))";

    /// <remarks><c>instr</c>, not <c>LIKE</c>: SQLite's LIKE ignores the case of ASCII letters.</remarks>
    public override string Contains(string column, string parameter) => $"instr({column}, @{parameter}) > 0";

    /// <remarks>
    /// SQLite's error names the index's columns, not the index, so this is true for a violation of any unique index:
    /// a table whose checked insert could hit two of them must tell them apart by reading first.
    /// </remarks>
    public override bool IsUniqueViolation(DbException exception, string index) =>
        exception is SqliteException { SqliteExtendedErrorCode: ConstraintUnique };

    public override Task LockAsync(StoreTransaction transaction, long key, CancellationToken cancellationToken) => Task.CompletedTask;

    private static string ToJson(IEnumerable<string> values) =>
        JsonSerializer.Serialize(values as string[] ?? [.. values], StringArrayJson.Default.StringArray);

    /// <summary>Source-generated, so storing a list needs no reflection (and stays trim-safe).</summary>
    [JsonSerializable(typeof(string[]))]
    private sealed partial class StringArrayJson : JsonSerializerContext;
}
