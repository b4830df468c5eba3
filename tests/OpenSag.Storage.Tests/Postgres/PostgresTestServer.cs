using Npgsql;
using OpenSag.Storage.Tests.Contract;

namespace OpenSag.Storage.Tests.Postgres;

/// <summary>
/// The PostgreSQL server the tests may use: <c>OPENSAG_TEST_POSTGRES</c> (an Npgsql connection string, e.g. from
/// <c>.ci/postgres.sh start</c>). Without it the PostgreSQL tests are skipped, except under CI (env <c>CI</c> set),
/// where a missing or unreachable server fails them: CI must never pass without having tested the engine.
/// </summary>
internal static class PostgresTestServer
{
    public const string Variable = "OPENSAG_TEST_POSTGRES";

    private static readonly Lazy<Task> Reachable = new(CheckReachableAsync);

    public static string? SkipReason =>
        ConnectionString is null && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"))
            ? $"{Variable} is not set; start a throw-away server with 'bash .ci/postgres.sh start' and export it"
            : null;

    private static string? ConnectionString => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value ? value : null;

    /// <summary>Creates an empty schema of its own for one test, on the server named by the variable.</summary>
    public static async Task<PostgresTestSchema> CreateSchemaAsync(CancellationToken cancellationToken)
    {
        // Asked once per run: an unreachable server fails every test at once with the first answer, instead of
        // each test waiting out its own connection timeout.
        await Reachable.Value.WaitAsync(cancellationToken);
        var name = "opensag_test_" + Guid.NewGuid().ToString("N");
        await ExecuteAsync(AdminConnectionString(), $"CREATE SCHEMA {name}", cancellationToken);
        var scoped = new NpgsqlConnectionStringBuilder(AdminConnectionString()) { SearchPath = name };
        return new PostgresTestSchema(name, scoped.ConnectionString);
    }

    public static Task DropSchemaAsync(string name, CancellationToken cancellationToken) =>
        ExecuteAsync(AdminConnectionString(), $"DROP SCHEMA IF EXISTS {name} CASCADE", cancellationToken);

    public static async Task ExecuteAsync(string connectionString, string sql, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public static async Task<T> ScalarAsync<T>(string connectionString, string sql, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static string AdminConnectionString() => ConnectionString
        ?? throw new InvalidOperationException($"CI is set, so the PostgreSQL tests must run, but {Variable} is not set (test.sh starts one with .ci/postgres.sh).");

    private static async Task CheckReachableAsync()
    {
        var probe = new NpgsqlConnectionStringBuilder(AdminConnectionString()) { Timeout = 10, Pooling = false };
        try
        {
            await ScalarAsync<int>(probe.ConnectionString, "SELECT 1", CancellationToken.None);
        }
        catch (NpgsqlException e)
        {
            throw new InvalidOperationException($"{Variable} names a PostgreSQL server that does not answer ({probe.Host}:{probe.Port}): {e.Message}", e);
        }
    }
}

/// <summary>A schema of one test's own; a store over <see cref="ConnectionString"/> creates its tables there.</summary>
internal sealed record PostgresTestSchema(string Name, string ConnectionString);

/// <summary>Marks a test class whose cases need <see cref="PostgresTestServer"/>.</summary>
internal sealed class PostgresEngineAttribute : StoreEngineAttribute
{
    public override string? SkipReason => PostgresTestServer.SkipReason;
}
