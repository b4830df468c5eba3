using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.Layer3;

/// <summary>
/// Issue 11 item 6: two nodes on one PostgreSQL database, each with its own TUN, leasing dynamic ClientIps from its own
/// half of the instance's block (<c>--client-ip-slice 1/2</c> and <c>2/2</c>), so the private network needs one route
/// per node: a client of each node gets an address from its node's half and gets its replies back through that node.
/// The nodes run in the lab's gateway namespaces and reach PostgreSQL over its unix socket.
/// </summary>
public sealed class Layer3ClusterTests
{
    private static readonly string[] Slices = ["198.19.64.0/25", "198.19.64.128/25"];

    [NetworkNamespacePostgresFact]
    public async Task TwoNodes_ClientIpSlices_EachNodesClientGetsAnAddressOfItsSliceAndReplies()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var database = await PostgresTestDatabase.CreateAsync(deadline.Token);
        var connectionString = await database.UnixSocketConnectionStringAsync(deadline.Token);
        var keyFolder = Directory.CreateTempSubdirectory("opensag-l3-cluster-key-");
        try
        {
            // Every node seals access-key secrets with the same key (README "Running several nodes").
            var secretsKey = Path.Combine(keyFolder.FullName, "secrets.key");
            await File.WriteAllBytesAsync(secretsKey, RandomNumberGenerator.GetBytes(32));
            string accessKeyId = "LTAI" + Guid.NewGuid().ToString("N")[..20], accessKeySecret = Guid.NewGuid().ToString("N");

            await using var lab = await Layer3Lab.CreateAsync(gateways: 2, clients: 2, cidrBlockRoutes: Slices);
            var nodes = new List<Gateway.GatewayScenario>();
            for (var i = 0; i < 2; i++)
            {
                // One after the other: the first migrates the schema.
                var listen = Layer3Lab.GatewayIp(i) + ":" + Layer3Lab.GatewayPort.ToString(CultureInfo.InvariantCulture);
                var slice = string.Create(CultureInfo.InvariantCulture, $"{i + 1}/2");
                var server = await OpenSagServer.StartNodeInNamespaceAsync(lab.GatewayNamespaces[i], listen, accessKeyId, accessKeySecret,
                    "--tun", Layer3Lab.GatewayTun, "--tunnel-allow", Layer3Lab.PrivateNetwork, "--store", "postgres", "--postgres", connectionString,
                    "--node-id", "node-" + (char)('a' + i), "--secrets-key", secretsKey, "--client-ip-slice", slice).WaitAsync(OpenSagServer.StartTimeout * 2);
                nodes.Add(lab.Adopt(server));
            }

            var smartAgId = await nodes[0].CreateInstanceAsync(Layer3Lab.CidrBlock);
            await nodes[0].CreateUserAsync(smartAgId, "l3nodea01");
            await nodes[0].CreateUserAsync(smartAgId, "l3nodeb01");

            // Client j is in gateway j's namespace's reach only, so client 0 logs in to node a and client 1 to node b.
            var clients = new[]
            {
                await lab.ConnectTunAsync(0, nodes[0], smartAgId, "l3nodea01"),
                await lab.ConnectTunAsync(1, nodes[1], smartAgId, "l3nodeb01"),
            };
            for (var i = 0; i < 2; i++)
            {
                var clientIp = IPAddress.Parse(clients[i].ClientIp!);
                Assert.True(IPNetwork.Parse(Slices[i]).Contains(clientIp), $"node {i + 1} of 2 leased {clientIp}, outside its slice {Slices[i]}\n{clients[i].Output}");

                var (sent, received, output) = await lab.PingAsync(i, 3);
                Assert.True(sent == 3 && received == 3, $"{output}\n{clients[i].Output}\n{nodes[i].Server.Output}");
                using var udp = lab.ClientSocket(i, SocketType.Dgram, ProtocolType.Udp);
                await Layer3Traffic.EchoAsync(udp, count: 10, size: 1000, describe: lab.Describe);
                Assert.Equal(10, lab.Udp.Arrivals.Count(a => a.Source.Equals(clientIp)));
            }

            // Each node lists both sessions: the cluster's directory, not only its own table.
            foreach (var node in nodes)
            {
                Assert.Equal(clients[0].ClientIp, Assert.Single(await node.OnlineClientsAsync(smartAgId, "l3nodea01")).ClientIp);
                Assert.Equal(clients[1].ClientIp, Assert.Single(await node.OnlineClientsAsync(smartAgId, "l3nodeb01")).ClientIp);
            }
        }
        finally
        {
            keyFolder.Delete(recursive: true);
        }
    }
}

/// <summary>A test that needs both a <see cref="NetworkNamespace"/> and a <see cref="PostgresTestDatabase"/>: skipped where either cannot be had, failing under CI.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class NetworkNamespacePostgresFactAttribute : FactAttribute
{
    public NetworkNamespacePostgresFactAttribute() => Skip = (NetworkNamespace.SkipReason ?? PostgresTestDatabase.SkipReason)!;
}
