using Npgsql;
using OpenSag.Security;
using OpenSag.Storage;
using OpenSag.Storage.Postgres;
using OpenSag.Storage.Sqlite;

namespace OpenSag.Cli.Serve;

/// <summary>
/// Which engine <c>opensag serve</c> keeps its records in: SQLite in the data folder (one node), or a PostgreSQL
/// database that several nodes share (DESIGN.md §5).
/// </summary>
internal sealed record StoreChoice
{
    public const string Sqlite = "sqlite";
    public const string Postgres = "postgres";
    public const string PostgresVariable = "OPENSAG_POSTGRES";

    private StoreChoice(string engine, NpgsqlConnectionStringBuilder? postgres)
    {
        Engine = engine;
        PostgresSettings = postgres;
    }

    public string Engine { get; }

    private NpgsqlConnectionStringBuilder? PostgresSettings { get; }

    /// <summary>The shared database's connection string, or null on SQLite (one node, no cluster).</summary>
    public string? ClusterConnectionString => PostgresSettings?.ConnectionString;

    /// <summary>
    /// Checks the options up front, so that a missing or malformed connection string is a one-line usage error.
    /// </summary>
    /// <param name="connectionString"><c>--postgres</c>, or null to take <c>OPENSAG_POSTGRES</c>.</param>
    public static StoreChoice? TryCreate(string engine, string? connectionString, out string? error)
    {
        error = null;
        if (engine == Sqlite)
        {
            if (connectionString is not null)
            {
                error = "--postgres: only used with --store postgres.";
                return null;
            }

            return new StoreChoice(Sqlite, null);
        }

        connectionString ??= Environment.GetEnvironmentVariable(PostgresVariable);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            error = $"--store postgres: give the database with --postgres \"Host=…;Username=…;Database=…\" or {PostgresVariable}.";
            return null;
        }

        try
        {
            return new StoreChoice(Postgres, new NpgsqlConnectionStringBuilder(connectionString));
        }
        catch (ArgumentException e)
        {
            // The message names the bad keyword or value, never the rest of the string (which may hold a password).
            error = $"--postgres: not a valid connection string: {ArgumentMessage.Of(e)}";
            return null;
        }
    }

    /// <summary>Where the records are, for messages: the database file, or host:port/database (no credentials).</summary>
    public string Location(string dataDirectory) => PostgresSettings is { } pg
        ? $"PostgreSQL {pg.Host}:{pg.Port}/{pg.Database ?? pg.Username}"
        : Path.Combine(dataDirectory, OpenSagServer.DatabaseFileName);

    /// <summary>The store as the server status shows it: <c>sqlite PATH</c> or <c>postgres host:port/database</c> (no credentials).</summary>
    public string Describe(string dataDirectory) => PostgresSettings is { } pg
        ? $"postgres {pg.Host}:{pg.Port}/{pg.Database ?? pg.Username}"
        : "sqlite " + Path.Combine(dataDirectory, OpenSagServer.DatabaseFileName);

    /// <summary>A store object over the chosen database, sealing access-key secrets with <paramref name="secrets"/>; no I/O until it is migrated.</summary>
    public IOpenSagStore Open(string dataDirectory, AccessKeySecretCipher secrets) => PostgresSettings is { } pg
        ? new PostgresStore(pg.ConnectionString, secrets)
        : new SqliteStore(Path.Combine(dataDirectory, OpenSagServer.DatabaseFileName), secrets);
}
