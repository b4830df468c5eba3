using System.Diagnostics;
using Npgsql;
using OpenSag.IntegrationTests.Gateway;
using OpenSag.IntegrationTests.Support;
using Xunit.Abstractions;

namespace OpenSag.IntegrationTests.Cluster;

/// <summary>
/// A node cut off from PostgreSQL (issue 5 §5, issue 11 item 5): it refuses API calls with 503, and it cannot hear a
/// kick made meanwhile, so it fences itself (closes its sessions, admits none) before the other nodes stop counting
/// it, and the kick answers only once it has.
/// </summary>
[Collection(SerialGatewayTests.Name)]
public sealed class ClusterOutageTests(ITestOutputHelper output)
{
    /// <summary>
    /// Every node of this test beats each second: the node timeout is 6 s and a cut-off node fences after 5 s of
    /// failed heartbeats (ClusterOptions), so the test takes seconds rather than the defaults' 30.
    /// </summary>
    private static readonly string[] FastHeartbeat = ["--cluster-heartbeat", "1"];

    private static readonly TimeSpan NodeTimeout = TimeSpan.FromSeconds(6);

    /// <summary>Slack for a loaded machine on top of the node timeout.</summary>
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(10);

    [PostgresFact]
    public async Task Node_CutOffDuringKick_FencesItselfBeforeTheKickAnswers()
    {
        await using var cluster = await ClusterScenario.StartAsync(0);
        var a = await cluster.AddNodeAsync("node-a", cluster.ConnectionString, FastHeartbeat);
        var direct = new NpgsqlConnectionStringBuilder(cluster.ConnectionString);
        await using var cable = new FaultyProxy(direct.Port);
        // Short timeouts, so the cut-off node's database calls fail in seconds rather than after Npgsql's defaults.
        var proxied = new NpgsqlConnectionStringBuilder(cluster.ConnectionString)
        {
            Port = int.Parse(cable.Address.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture),
            Timeout = 3,
            CommandTimeout = 3,
        };
        var b = await cluster.AddNodeAsync("node-b", proxied.ConnectionString, FastHeartbeat);
        var smartAgId = await cluster.CreateInstanceWithUserAsync("10.32.0.0/24", "dave-outage");
        var onB = await b.ConnectOnlineAsync(smartAgId, "dave-outage").WaitAsync(ConnectProcess.OnlineTimeout * 2);

        var clock = Stopwatch.StartNew();
        cable.Refuse();
        cable.DropAll();
        var fencedAt = onB.WaitForErrorLineAsync("reconnecting", NodeTimeout + Slack).ContinueWith(t => { t.GetAwaiter().GetResult(); return clock.Elapsed; }, TaskScheduler.Default);
        var answeredAt = a.KickOutAsync(smartAgId, "dave-outage").ContinueWith(t => { t.GetAwaiter().GetResult(); return clock.Elapsed; }, TaskScheduler.Default);
        var fenced = await fencedAt.WaitAsync(NodeTimeout + Slack);
        var answered = await answeredAt.WaitAsync(NodeTimeout + Slack);
        output.WriteLine($"node B closed its session {fenced.TotalSeconds:0.0} s after the cut; the kick through node A answered after {answered.TotalSeconds:0.0} s.");

        Assert.True(fenced <= NodeTimeout + Slack, $"node B closed its session only after {fenced.TotalSeconds:0.0} s.\n{b.Server.Output}");
        Assert.True(fenced < answered, $"the kick answered after {answered.TotalSeconds:0.0} s, before node B closed the session ({fenced.TotalSeconds:0.0} s).\n{a.Server.Output}");
        Assert.Contains("closed its 1 session(s)", b.Server.Output, StringComparison.Ordinal);
        using var rpc = new SignedRpcClient(b.Server);
        var (status, body) = await rpc.CallAsync("DescribeUserOnlineClients", new Dictionary<string, string>
        {
            ["RegionId"] = a.RegionId,
            ["SmartAGId"] = smartAgId,
            ["UserName"] = "dave-outage",
        }).WaitAsync(TimeSpan.FromSeconds(15));
        Assert.True(status == 503, $"node B without its database answered {status}: {body}");
        Assert.Equal("ServiceUnavailable", body.GetProperty("Code").GetString());
    }
}
