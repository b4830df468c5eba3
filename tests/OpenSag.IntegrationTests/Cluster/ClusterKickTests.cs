using System.Diagnostics;
using OpenSag.IntegrationTests.Gateway;
using OpenSag.IntegrationTests.Support;
using Xunit.Abstractions;

namespace OpenSag.IntegrationTests.Cluster;

/// <summary>
/// Three nodes on one PostgreSQL (issue 5): a kick sent to one node ends the user's sessions on the others, the
/// online list is the same on every node, and a crashed node's sessions leave it within the heartbeat bound.
/// </summary>
[Collection(SerialGatewayTests.Name)]
public sealed class ClusterKickTests(ITestOutputHelper output)
{
    /// <summary>The bound from KickOutClients on one node to the close on another.</summary>
    private static readonly TimeSpan RemoteKickBound = TimeSpan.FromSeconds(1);

    /// <summary>Node timeout (30 s) plus one heartbeat (5 s) for the sweep that notices, plus slack for a loaded machine.</summary>
    private static readonly TimeSpan CrashBound = TimeSpan.FromSeconds(45);

    [PostgresFact]
    public async Task KickOutClients_SentToNodeA_EndsExactlyTheUsersSessionsOnNodesBAndC()
    {
        await using var cluster = await ClusterScenario.StartAsync(3);
        var (a, b, c) = (cluster.Nodes[0], cluster.Nodes[1], cluster.Nodes[2]);
        var smartAgId = await cluster.CreateInstanceWithUserAsync("10.30.0.0/24", "alice-cluster");
        await a.CreateUserAsync(smartAgId, "bob-bystander");

        var onB = await b.ConnectOnlineAsync(smartAgId, "alice-cluster").WaitAsync(ConnectProcess.OnlineTimeout * 2);
        var onC = await c.ConnectOnlineAsync(smartAgId, "alice-cluster").WaitAsync(ConnectProcess.OnlineTimeout * 2);
        var bystander = await a.ConnectOnlineAsync(smartAgId, "bob-bystander").WaitAsync(ConnectProcess.OnlineTimeout * 2);

        // Leased from one table: two nodes never hand out the same address.
        Assert.NotEqual(onB.ClientIp, onC.ClientIp);
        string[] expected = [.. new[] { onB.ClientIp!, onC.ClientIp! }.Order(StringComparer.Ordinal)];
        Assert.All(await cluster.OnlineListsAsync(smartAgId, "alice-cluster"), list => Assert.Equal(expected, list));
        Assert.All(await cluster.OnlineListsAsync(smartAgId, "bob-bystander"), list => Assert.Equal([bystander.ClientIp!], list));

        var clock = Stopwatch.StartNew();
        await a.KickOutAsync(smartAgId, "alice-cluster");
        var answered = clock.Elapsed;
        var exits = await Task.WhenAll(onB.WaitForExitAsync(RemoteKickBound * 10), onC.WaitForExitAsync(RemoteKickBound * 10));
        var closed = clock.Elapsed;
        output.WriteLine($"KickOutClients on node A answered after {answered.TotalMilliseconds:0} ms; the clients on B and C exited after {closed.TotalMilliseconds:0} ms.");

        Assert.Equal([4, 4], exits);
        Assert.True(closed <= RemoteKickBound, $"the remote sessions ended {closed.TotalMilliseconds:0} ms after the kick was sent, more than {RemoteKickBound.TotalMilliseconds} ms.");
        Assert.False(bystander.HasExited, $"the bystander on node A was touched by the kick.\n{bystander.Output}");

        // The closing nodes delete their rows right after the close; give that write a moment, bounded.
        await Polling.UntilAsync(() => cluster.OnlineListsAsync(smartAgId, "alice-cluster"), lists => lists.All(l => l.Length == 0), TimeSpan.FromSeconds(5), "alice offline on every node");
        Assert.All(await cluster.OnlineListsAsync(smartAgId, "bob-bystander"), list => Assert.Equal([bystander.ClientIp!], list));
    }

    [PostgresFact]
    public async Task Node_KilledWithSigkill_ItsSessionsLeaveTheOnlineListWhileOthersKeepServing()
    {
        await using var cluster = await ClusterScenario.StartAsync(2);
        var (a, b) = (cluster.Nodes[0], cluster.Nodes[1]);
        var smartAgId = await cluster.CreateInstanceWithUserAsync("10.31.0.0/24", "carol-crash");
        var onB = await b.ConnectOnlineAsync(smartAgId, "carol-crash").WaitAsync(ConnectProcess.OnlineTimeout * 2);
        var onA = await a.ConnectOnlineAsync(smartAgId, "carol-crash").WaitAsync(ConnectProcess.OnlineTimeout * 2);
        Assert.Equal(2, await a.OnlineCountAsync(smartAgId, "carol-crash"));

        var clock = Stopwatch.StartNew();
        await b.Server.KillAsync();
        await a.WaitOnlineCountAsync(smartAgId, "carol-crash", 1, CrashBound);
        output.WriteLine($"the killed node's session left the online list after {clock.Elapsed.TotalSeconds:0.0} s.");

        Assert.Equal([onA.ClientIp!], (await a.OnlineClientsAsync(smartAgId, "carol-crash")).Select(s => s.ClientIp));
        Assert.False(onA.HasExited, $"the session on the surviving node ended.\n{onA.Output}");
        var another = await a.ConnectOnlineAsync(smartAgId, "carol-crash").WaitAsync(ConnectProcess.OnlineTimeout * 2);
        Assert.NotEqual(onA.ClientIp, another.ClientIp);
        _ = onB;
    }

    [PostgresFact]
    public async Task Node_StoppedGracefully_ItsSessionsLeaveTheOnlineListAtOnce()
    {
        await using var cluster = await ClusterScenario.StartAsync(2);
        var (a, b) = (cluster.Nodes[0], cluster.Nodes[1]);
        var smartAgId = await cluster.CreateInstanceWithUserAsync("10.34.0.0/24", "frank-leaving");
        await b.ConnectOnlineAsync(smartAgId, "frank-leaving").WaitAsync(ConnectProcess.OnlineTimeout * 2);
        Assert.Equal(1, await a.OnlineCountAsync(smartAgId, "frank-leaving"));

        Assert.Equal(0, await b.Server.StopAsync());

        // Well inside the 30 s node timeout: the stopping node removes its own rows.
        Assert.Equal(0, await a.OnlineCountAsync(smartAgId, "frank-leaving"));
    }
}
