using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.Cluster;

/// <summary>A SignatureNonce is accepted once cluster-wide (DESIGN.md §2, issue 5).</summary>
[Collection(Gateway.SerialGatewayTests.Name)]
public sealed class ClusterNonceTests
{
    [PostgresFact]
    public async Task SignedRequest_ReplayedToASecondNode_RefusedWithSignatureNonceUsed()
    {
        await using var cluster = await ClusterScenario.StartAsync(2);
        var (a, b) = (cluster.Nodes[0], cluster.Nodes[1]);
        using var rpc = new SignedRpcClient(a.Server);
        var query = rpc.SignedQuery("DescribeSmartAccessGateways", new Dictionary<string, string> { ["RegionId"] = a.RegionId });

        var (firstStatus, firstBody) = await rpc.SendAsync(a.Server.Endpoint, query).WaitAsync(TimeSpan.FromSeconds(15));
        var (replayStatus, replayBody) = await rpc.SendAsync(b.Server.Endpoint, query).WaitAsync(TimeSpan.FromSeconds(15));

        Assert.True(firstStatus == 200, $"the first use answered {firstStatus}: {firstBody}");
        Assert.Equal(400, replayStatus);
        Assert.Equal("SignatureNonceUsed", replayBody.GetProperty("Code").GetString());
    }
}
