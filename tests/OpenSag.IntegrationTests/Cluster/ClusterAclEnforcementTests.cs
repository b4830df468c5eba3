using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using OpenSag.IntegrationTests.Acl;
using OpenSag.IntegrationTests.Gateway;
using OpenSag.IntegrationTests.Support;
using Xunit.Abstractions;

namespace OpenSag.IntegrationTests.Cluster;

/// <summary>
/// An ACL change made through one node reaches a session on another (issue 12 item 4): the change notice rides NOTIFY
/// to the node that holds the session, whose gateway ends the streams the rules now forbid and refuses new ones, well
/// before its periodic reconcile (every 10 s) could have done it.
/// </summary>
[Collection(SerialGatewayTests.Name)]
public sealed class ClusterAclEnforcementTests(ITestOutputHelper output)
{
    /// <summary>
    /// From sending AssociateACL to node A to the stream's end on node B: one NOTIFY and one reload of the instance's
    /// rules on node B, the same bound as a remote kick's. A tenth of the reconcile interval, so the notice, not a
    /// reconcile that happens to fall in the window (at most one time in ten), is what passes it.
    /// </summary>
    private static readonly TimeSpan RemoteChangeBound = TimeSpan.FromSeconds(1);

    [PostgresFact]
    public async Task AssociateACL_SentToNodeA_EndsTheForbiddenStreamOnNodeBAndRefusesNewOnes()
    {
        await using var cluster = await ClusterScenario.StartAsync(2);
        var (a, b) = (cluster.Nodes[0], cluster.Nodes[1]);
        var smartAgId = await cluster.CreateInstanceWithUserAsync("10.35.0.0/24", "gina-acl");
        // Two destinations on loopback, the two nodes' echo services: the rule drops node B's echo port only.
        var (forbidden, allowed) = (b.Echo, a.Echo);
        var client = await b.ConnectOnlineAsync(smartAgId, "gina-acl", [forbidden.Destination, allowed.Destination]).WaitAsync(ConnectProcess.OnlineTimeout * 2);
        using var doomed = await OpenLiveStreamAsync(client.ForwardPorts[0], client);
        using var bystander = await OpenLiveStreamAsync(client.ForwardPorts[1], client);
        var aclId = (await a.CallOkAsync("CreateACL", new() { ["Name"] = "cluster-acl", ["AclType"] = "acl-software" })).GetProperty("AclId").GetString()!;
        await a.AddRuleAsync(aclId, "out", "drop", "TCP", "127.0.0.1/32", string.Create(CultureInfo.InvariantCulture, $"{forbidden.Port}/{forbidden.Port}"));
        Assert.True(await TunnelTraffic.EchoesAsync(doomed, TunnelTraffic.ProbeTimeout), $"a rule of an ACL bound to no instance already ended the stream.\n{client.Output}");

        var clock = Stopwatch.StartNew();
        await a.CallOkAsync("AssociateACL", new() { ["AclId"] = aclId, ["SmartAGId"] = smartAgId });
        var answered = clock.Elapsed;
        var ended = await TunnelTraffic.EndsAsync(doomed, RemoteChangeBound * 10);
        var endedAfter = clock.Elapsed;
        output.WriteLine($"AssociateACL on node A answered after {answered.TotalMilliseconds:0} ms; the forbidden stream on node B ended after {endedAfter.TotalMilliseconds:0} ms.");

        Assert.True(ended, $"the forbidden stream on node B still ran {endedAfter.TotalSeconds:0.0} s after AssociateACL was sent to node A.\n{client.Output}\n{b.Server.Output}");
        Assert.True(endedAfter <= RemoteChangeBound, $"the forbidden stream on node B ended {endedAfter.TotalMilliseconds:0} ms after AssociateACL was sent, more than {RemoteChangeBound.TotalMilliseconds} ms.\n{b.Server.Output}");
        Assert.False(await TunnelTraffic.EchoesAsync(client.ForwardPorts[0], TunnelTraffic.ProbeTimeout), $"node B carried a new stream to the dropped port.\n{client.Output}");
        var refusal = await client.WaitForErrorLineAsync($"{forbidden.Destination} refused", TunnelTraffic.ProbeTimeout);
        Assert.Contains("ACL", refusal, StringComparison.Ordinal);

        // Only what the rule names: the session, its other stream and new streams elsewhere carry on.
        Assert.False(client.HasExited, $"the session ended.\n{client.Output}");
        Assert.True(await TunnelTraffic.EchoesAsync(bystander, TunnelTraffic.ProbeTimeout), $"the stream to the allowed port ended.\n{client.Output}");
        Assert.True(await TunnelTraffic.EchoesAsync(client.ForwardPorts[1], TunnelTraffic.ProbeTimeout), $"a new stream to the allowed port was refused.\n{client.Output}");
    }

    /// <summary>A connection through the forward at <paramref name="localPort"/> whose tunnel has carried an echo.</summary>
    private static async Task<Socket> OpenLiveStreamAsync(int localPort, ConnectProcess client)
    {
        var socket = await TunnelTraffic.ConnectAsync(localPort);
        if (!await TunnelTraffic.EchoesAsync(socket, TunnelTraffic.ProbeTimeout))
        {
            socket.Dispose();
            Assert.Fail($"the first echo through the forward on port {localPort} did not come back.\n{client.Output}");
        }

        return socket;
    }
}
