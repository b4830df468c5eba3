using System.Diagnostics;
using Npgsql;
using OpenSag.IntegrationTests.Gateway;
using OpenSag.IntegrationTests.Support;
using Xunit.Abstractions;

namespace OpenSag.IntegrationTests.Cluster;

/// <summary>
/// A node cut off from PostgreSQL (issue 5 §5): it keeps its sessions, refuses API calls with 503, misses the
/// announcement of a kick made meanwhile, and applies that kick by its sweep once the database is back.
/// </summary>
[Collection(SerialGatewayTests.Name)]
public sealed class ClusterOutageTests(ITestOutputHelper output)
{
    /// <summary>
    /// After the cable is back: the listener's reconnect backoff (at most 5 s) or the next heartbeat sweep (every
    /// 5 s), whichever comes first, plus slack for a loaded machine.
    /// </summary>
    private static readonly TimeSpan CatchUpBound = TimeSpan.FromSeconds(10);

    [PostgresFact]
    public async Task Node_CutOffDuringKick_MissesTheAnnouncementAndAppliesTheKickWhenBack()
    {
        await using var cluster = await ClusterScenario.StartAsync(1);
        var a = cluster.Nodes[0];
        var direct = new NpgsqlConnectionStringBuilder(cluster.ConnectionString);
        await using var cable = new FaultyProxy(direct.Port);
        // Short timeouts, so the cut-off node's database calls fail in seconds rather than after Npgsql's defaults.
        var proxied = new NpgsqlConnectionStringBuilder(cluster.ConnectionString)
        {
            Port = int.Parse(cable.Address.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture),
            Timeout = 3,
            CommandTimeout = 3,
        };
        var c = await cluster.AddNodeAsync("node-c", proxied.ConnectionString);
        var smartAgId = await cluster.CreateInstanceWithUserAsync("10.32.0.0/24", "dave-outage");
        var onC = await c.ConnectOnlineAsync(smartAgId, "dave-outage").WaitAsync(ConnectProcess.OnlineTimeout * 2);

        cable.Blackhole();
        await a.KickOutAsync(smartAgId, "dave-outage");
        using (var rpc = new SignedRpcClient(c.Server))
        {
            var (status, body) = await rpc.CallAsync("DescribeUserOnlineClients", new Dictionary<string, string>
            {
                ["RegionId"] = a.RegionId,
                ["SmartAGId"] = smartAgId,
                ["UserName"] = "dave-outage",
            }).WaitAsync(TimeSpan.FromSeconds(15));
            Assert.True(status == 503, $"node C without its database answered {status}: {body}");
            Assert.Equal("ServiceUnavailable", body.GetProperty("Code").GetString());
        }

        Assert.False(onC.HasExited, $"node C could not have heard the kick, yet its session ended.\n{onC.Output}");

        var clock = Stopwatch.StartNew();
        cable.Restore();
        cable.DropAll();
        var exit = await onC.WaitForExitAsync(CatchUpBound);
        output.WriteLine($"node C applied the missed kick {clock.Elapsed.TotalSeconds:0.0} s after its database came back.");

        Assert.Equal(4, exit);
        Assert.True(clock.Elapsed <= CatchUpBound, $"node C applied the missed kick only after {clock.Elapsed.TotalSeconds:0.0} s.\n{c.Server.Output}");
    }
}
