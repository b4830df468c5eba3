using OpenSag.Client;
using OpenSag.IntegrationTests.Gateway;
using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.Cluster;

/// <summary>
/// Free text a client sends at login is kept with its session in the shared PostgreSQL table, which refuses NUL:
/// it must be stored as text every store can hold, not fail the login (issue 9 item 11, the same kind of fault).
/// </summary>
[Collection(SerialGatewayTests.Name)]
public sealed class ClusterClientTextTests
{
    [PostgresFact]
    public async Task Login_ClientVersionWithNulAndEscape_AdmittedAndListedOnEveryNode()
    {
        await using var cluster = await ClusterScenario.StartAsync(2);
        var smartAgId = await cluster.CreateInstanceWithUserAsync("10.36.0.0/24", "hugo-text");
        var options = cluster.Nodes[1].ClientOptions(smartAgId, "hugo-text") with { ClientVersion = "1.0\u0000\u001B[31m-evil" };

        await using var session = await ClientSession.LoginAsync(options, null, CancellationToken.None).WaitAsync(ConnectProcess.OnlineTimeout * 2);

        Assert.All(await cluster.OnlineListsAsync(smartAgId, "hugo-text"), list => Assert.Equal([session.Online.ClientIp], list));
    }
}
