using Npgsql;

namespace OpenSag.Cluster.Postgres;

/// <summary>
/// The connection pool of this node's cluster tables. Separate from the store's pool so that a burst of API work
/// cannot starve the heartbeat, which is what keeps this node's sessions in the online list.
/// </summary>
public sealed class ClusterDatabase : IAsyncDisposable
{
    public ClusterDatabase(ClusterOptions options)
    {
        Options = options;
        DataSource = NpgsqlDataSource.Create(options.ConnectionString);
    }

    public ClusterOptions Options { get; }

    public string NodeId => Options.NodeId;

    public NpgsqlDataSource DataSource { get; }

    public async Task<int> ExecuteAsync(string sql, Action<NpgsqlParameterCollection> bind, CancellationToken cancellationToken)
    {
        await using var command = DataSource.CreateCommand(sql);
        bind(command.Parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<List<T>> QueryAsync<T>(string sql, Action<NpgsqlParameterCollection> bind, Func<NpgsqlDataReader, T> map, CancellationToken cancellationToken)
    {
        await using var command = DataSource.CreateCommand(sql);
        bind(command.Parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(map(reader));
        }

        return rows;
    }

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();
}
