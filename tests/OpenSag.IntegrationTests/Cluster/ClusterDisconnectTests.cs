using System.Diagnostics;
using System.Text.Json;
using OpenSag.IntegrationTests.Gateway;
using OpenSag.IntegrationTests.Support;
using Xunit.Abstractions;

namespace OpenSag.IntegrationTests.Cluster;

/// <summary>
/// OpenSAG's session list and per-session disconnect across nodes (issue 13 item 1): every node lists every
/// session with the node holding it and its bytes (copied by that node's heartbeat), and a disconnect sent to one node
/// ends a session held by another, answering once it is gone.
/// </summary>
[Collection(SerialGatewayTests.Name)]
public sealed class ClusterDisconnectTests(ITestOutputHelper output)
{
    /// <summary>One heartbeat (5 s) for the holding node to copy the bytes, plus slack for a loaded machine.</summary>
    private static readonly TimeSpan BytesBound = TimeSpan.FromSeconds(20);

    [PostgresFact]
    public async Task DisconnectSession_SentToNodeAForASessionOnNodeB_ClientExits4AndEveryNodeListsTheRest()
    {
        await using var cluster = await ClusterScenario.StartAsync(2);
        var (a, b) = (cluster.Nodes[0], cluster.Nodes[1]);
        var smartAgId = await cluster.CreateInstanceWithUserAsync("10.47.0.0/24", "gina-cluster");
        string[] echo = [b.Echo.Destination];
        var onB = await b.ConnectOnlineAsync(smartAgId, "gina-cluster", echo).WaitAsync(ConnectProcess.OnlineTimeout * 2);
        var onA = await a.ConnectOnlineAsync(smartAgId, "gina-cluster").WaitAsync(ConnectProcess.OnlineTimeout * 2);

        var payload = new byte[20_000];
        Assert.Equal(payload, await TunnelTraffic.RoundTripAsync(onB.ForwardPorts[0], payload, TunnelTraffic.ProbeTimeout));
        var listed = await Polling.UntilAsync(() => ListAsync(a, smartAgId), sessions => sessions.Any(s => s.GetProperty("SessionId").GetString() == onB.SessionId
            && s.GetProperty("BytesFromClient").GetInt64() >= payload.Length && s.GetProperty("BytesToClient").GetInt64() >= payload.Length), BytesBound, "node B's bytes seen on node A");
        Assert.Equal(
            [(onA.SessionId, "node-a"), (onB.SessionId, "node-b")],
            listed.Select(s => (s.GetProperty("SessionId").GetString(), s.GetProperty("Node").GetString())).OrderBy(s => s.Item2, StringComparer.Ordinal));

        var clock = Stopwatch.StartNew();
        var answer = await a.CallOpenSagOkAsync("DisconnectSession", new() { ["RegionId"] = a.RegionId, ["SmartAGId"] = smartAgId, ["SessionId"] = onB.SessionId! });
        var answered = clock.Elapsed;
        var exit = await onB.WaitForExitAsync(TimeSpan.FromSeconds(15));
        output.WriteLine($"DisconnectSession on node A answered after {answered.TotalMilliseconds:0} ms; the client on node B exited after {clock.Elapsed.TotalMilliseconds:0} ms.");

        Assert.True(answer.GetProperty("Disconnected").GetBoolean());
        Assert.Equal(4, exit);
        Assert.Contains("disconnected by administrator", onB.Output, StringComparison.Ordinal);
        Assert.False(onA.HasExited, $"the user's session on node A ended.\n{onA.Output}");
        // Answered once gone: neither node lists it any more.
        foreach (var node in cluster.Nodes)
        {
            Assert.Equal([onA.SessionId], (await ListAsync(node, smartAgId)).Select(s => s.GetProperty("SessionId").GetString()));
        }

        var again = await b.CallOpenSagOkAsync("DisconnectSession", new() { ["RegionId"] = b.RegionId, ["SmartAGId"] = smartAgId, ["SessionId"] = onB.SessionId! });
        Assert.False(again.GetProperty("Disconnected").GetBoolean());
        Assert.Equal(1, (await b.CallOpenSagOkAsync("DescribeServerStatus", [])).GetProperty("OnlineSessions").GetInt32());
    }

    private static async Task<List<JsonElement>> ListAsync(GatewayScenario node, string smartAgId)
    {
        var body = await node.CallOpenSagOkAsync("DescribeOnlineSessions", new() { ["RegionId"] = node.RegionId, ["SmartAGId"] = smartAgId });
        return [.. body.GetProperty("Sessions").GetProperty("Session").EnumerateArray()];
    }
}
