using Npgsql;

namespace OpenSag.IntegrationTests.Support;

/// <summary>
/// A fresh, empty database on the PostgreSQL server named by <c>OPENSAG_TEST_POSTGRES</c> (test.sh starts one with
/// <c>.ci/postgres.sh</c>), dropped on dispose. A whole database rather than a schema: the server under test gets
/// the connection string exactly as an operator would write it.
/// </summary>
public sealed class PostgresTestDatabase : IAsyncDisposable
{
    public const string Variable = "OPENSAG_TEST_POSTGRES";

    private readonly string _adminConnectionString;

    private PostgresTestDatabase(string adminConnectionString, string name)
    {
        _adminConnectionString = adminConnectionString;
        Name = name;
        ConnectionString = new NpgsqlConnectionStringBuilder(adminConnectionString) { Database = name }.ConnectionString;
    }

    public string Name { get; }

    /// <summary>What to pass to <c>opensag serve --postgres</c>.</summary>
    public string ConnectionString { get; }

    /// <summary>
    /// Why PostgreSQL tests are skipped here, or null to run them: without the variable they skip, except under CI
    /// (env <c>CI</c> set), where they run and fail, since CI must not pass without having tested PostgreSQL.
    /// </summary>
    public static string? SkipReason =>
        string.IsNullOrEmpty(Environment.GetEnvironmentVariable(Variable)) && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"))
            ? $"{Variable} is not set; start a throw-away server with 'bash .ci/postgres.sh start' and export it"
            : null;

    /// <summary>
    /// <see cref="ConnectionString"/> over the server's unix socket instead of TCP, for a server under test that runs in
    /// a network namespace of its own, where the test PostgreSQL's 127.0.0.1 is not reachable but its socket file is.
    /// </summary>
    /// <exception cref="InvalidOperationException">The server has no unix socket directory.</exception>
    public async Task<string> UnixSocketConnectionStringAsync(CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(_adminConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SHOW unix_socket_directories", connection);
        var directories = (string?)await command.ExecuteScalarAsync(cancellationToken) ?? "";
        var directory = directories.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()
            ?? throw new InvalidOperationException("the test PostgreSQL has no unix socket directory (unix_socket_directories is empty)");
        return new NpgsqlConnectionStringBuilder(ConnectionString) { Host = directory }.ConnectionString;
    }

    public static async Task<PostgresTestDatabase> CreateAsync(CancellationToken cancellationToken)
    {
        var admin = Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"CI is set, so the PostgreSQL tests must run, but {Variable} is not set (test.sh starts one with .ci/postgres.sh).");
        var database = new PostgresTestDatabase(admin, "opensag_it_" + Guid.NewGuid().ToString("N"));
        await database.ExecuteAsync($"CREATE DATABASE {database.Name}", cancellationToken);
        return database;
    }

    public async ValueTask DisposeAsync()
    {
        // The server under test has exited by now, but its pool may still be closing: FORCE ends what is left.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await ExecuteAsync($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)", timeout.Token);
    }

    private async Task ExecuteAsync(string sql, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(_adminConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

/// <summary>A test that needs <see cref="PostgresTestDatabase"/>: skipped (visibly) where it cannot run.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute() => Skip = PostgresTestDatabase.SkipReason!;
}
