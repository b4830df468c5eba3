using OpenSag.Client;
using OpenSag.IntegrationTests.Gateway;
using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.Cluster;

/// <summary>Dynamic ClientIps are leased from one table, so nodes admitting logins at the same moment never share one.</summary>
[Collection(SerialGatewayTests.Name)]
public sealed class ClusterLeaseTests
{
    private const int LoginsPerNode = 6;

    [PostgresFact]
    public async Task ConcurrentLogins_OnTwoNodes_GetDistinctClientIps()
    {
        await using var cluster = await ClusterScenario.StartAsync(2);
        var smartAgId = await cluster.CreateInstanceWithUserAsync("10.35.0.0/24", "grace-lease");

        var logins = cluster.Nodes
            .SelectMany(node => Enumerable.Range(0, LoginsPerNode).Select(_ => ClientSession.LoginAsync(node.ClientOptions(smartAgId, "grace-lease"), null, CancellationToken.None)))
            .ToArray();
        var sessions = await Task.WhenAll(logins).WaitAsync(ConnectProcess.OnlineTimeout * 2);
        try
        {
            var addresses = sessions.Select(s => s.Online.ClientIp).ToArray();
            Assert.Equal(addresses.Length, addresses.Distinct(StringComparer.Ordinal).Count());
            Assert.All(await cluster.OnlineListsAsync(smartAgId, "grace-lease"), list => Assert.Equal(addresses.Order(StringComparer.Ordinal), list));
        }
        finally
        {
            foreach (var session in sessions)
            {
                await session.DisposeAsync();
            }
        }
    }
}
