using OpenSag.IntegrationTests.AppApi;
using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.Cluster;

/// <summary>A ClientToken holds cluster-wide: a repeat sent to another node gets the first node's answer (issue 12 item 5).</summary>
[Collection(Gateway.SerialGatewayTests.Name)]
public sealed class ClusterClientTokenTests
{
    [PostgresFact]
    public async Task CreateEnterpriseCode_RepeatedOnASecondNode_FirstAnswerAgainActedOnce()
    {
        await using var cluster = await ClusterScenario.StartAsync(2);
        using var a = new AppApiCalls(cluster.Nodes[0].Server);
        using var b = new AppApiCalls(cluster.Nodes[1].Server);
        var code = AppApiCalls.NewEnterpriseCode();
        var token = Guid.NewGuid().ToString();

        var first = await a.OkAsync("CreateEnterpriseCode", ("RegionId", "cn-shanghai"), ("EnterpriseCode", code), ("ClientToken", token));
        var again = await b.OkAsync("CreateEnterpriseCode", ("RegionId", "cn-shanghai"), ("EnterpriseCode", code), ("ClientToken", token));
        var mismatch = await b.RefusedAsync(400, "IdempotentParameterMismatch", "CreateEnterpriseCode", ("RegionId", "cn-shanghai"),
            ("EnterpriseCode", AppApiCalls.NewEnterpriseCode()), ("ClientToken", token));

        // Had node B acted, the code would have been taken: EnterpriseCode.BeenOccupied.
        Assert.Equal(first.GetProperty("RequestId").GetString(), again.GetProperty("RequestId").GetString());
        Assert.Equal(1, (await b.OkAsync("ListEnterpriseCode", ("RegionId", "cn-shanghai"))).GetProperty("TotalCount").GetInt32());
        Assert.NotEmpty(mismatch);
    }
}
