using OpenSag.IntegrationTests.Gateway;
using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.Cluster;

/// <summary>
/// Several real <c>opensag serve</c> nodes on one fresh PostgreSQL database, sharing a root key and a region, each
/// wrapped in a <see cref="GatewayScenario"/> for its API calls and its clients. Disposing stops every node, then
/// drops the database.
/// </summary>
public sealed class ClusterScenario : IAsyncDisposable
{
    private readonly PostgresTestDatabase _database;
    private readonly string _accessKeyId = "LTAI" + Guid.NewGuid().ToString("N")[..20];
    private readonly string _accessKeySecret = Guid.NewGuid().ToString("N");
    private readonly string _regionId = "cn-cl-" + Guid.NewGuid().ToString("N")[..8];
    private readonly List<GatewayScenario> _nodes = [];

    // Every node on one database must seal and open access-key secrets with the same key (README "Running several
    // nodes"), so the nodes share one key file instead of each making its own in its data folder.
    private readonly DirectoryInfo _keyFolder = Directory.CreateTempSubdirectory("opensag-cluster-key-");

    private ClusterScenario(PostgresTestDatabase database)
    {
        _database = database;
        File.WriteAllBytes(SecretsKeyPath, System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
    }

    public IReadOnlyList<GatewayScenario> Nodes => _nodes;

    /// <summary>Starts <paramref name="count"/> nodes named node-a, node-b, … one after another (the first migrates the schema).</summary>
    public static async Task<ClusterScenario> StartAsync(int count)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var cluster = new ClusterScenario(await PostgresTestDatabase.CreateAsync(deadline.Token));
        try
        {
            for (var i = 0; i < count; i++)
            {
                await cluster.AddNodeAsync("node-" + (char)('a' + i), cluster._database.ConnectionString);
            }

            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    public string ConnectionString => _database.ConnectionString;

    /// <summary>The key file every node is started with (<c>--secrets-key</c>).</summary>
    public string SecretsKeyPath => Path.Combine(_keyFolder.FullName, "secrets.key");

    /// <summary>Starts one more node; <paramref name="extraArguments"/> go to its <c>opensag serve</c> after the cluster's own.</summary>
    public async Task<GatewayScenario> AddNodeAsync(string name, string connectionString, params string[] extraArguments)
    {
        var server = await OpenSagServer.StartAsync(_accessKeyId, _accessKeySecret, null,
            ["--store", "postgres", "--postgres", connectionString, "--node-id", name, "--tunnel-allow", "127.0.0.0/8", "--secrets-key", SecretsKeyPath, .. extraArguments])
            .WaitAsync(OpenSagServer.StartTimeout * 2);
        var node = GatewayScenario.Around(server, _regionId);
        _nodes.Add(node);
        return node;
    }

    /// <summary>Through the first node: an instance with the address space and one user of it; returns its SmartAGId.</summary>
    public async Task<string> CreateInstanceWithUserAsync(string cidrBlock, string userName)
    {
        var smartAgId = await _nodes[0].CreateInstanceAsync(cidrBlock);
        await _nodes[0].CreateUserAsync(smartAgId, userName);
        return smartAgId;
    }

    /// <summary>The user's online ClientIps as every node lists them (DescribeUserOnlineClients), sorted, one list per node.</summary>
    public async Task<string[][]> OnlineListsAsync(string smartAgId, string userName)
    {
        var lists = new List<string[]>();
        foreach (var node in _nodes.Where(n => n.Server.IsRunning))
        {
            lists.Add([.. (await node.OnlineClientsAsync(smartAgId, userName)).Select(c => c.ClientIp).Order(StringComparer.Ordinal)]);
        }

        return [.. lists];
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }

        await _database.DisposeAsync();
        _keyFolder.Delete(recursive: true);
    }
}
