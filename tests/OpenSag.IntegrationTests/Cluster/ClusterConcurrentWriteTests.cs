using System.Text.Json;
using OpenSag.IntegrationTests.Gateway;
using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.Cluster;

/// <summary>
/// Admin writes sent at once to two nodes of one PostgreSQL each change only what they name (issue 9 item 4): no node
/// writes back a stale copy of a row another node changed meanwhile.
/// </summary>
[Collection(SerialGatewayTests.Name)]
public sealed class ClusterConcurrentWriteTests
{
    /// <summary>Each race lost a write in its first round or two on a single node before the fix (ConcurrentAdminWriteTests).</summary>
    private const int Rounds = 8;

    [PostgresFact]
    public async Task AdminWrites_SentToTwoNodesAtOnce_EveryChangeSticks()
    {
        await using var cluster = await ClusterScenario.StartAsync(2);
        var (a, b) = (cluster.Nodes[0], cluster.Nodes[1]);
        const string user = "olga-cluster";
        var smartAgId = await cluster.CreateInstanceWithUserAsync("10.32.0.0/24", user);

        for (var round = 0; round < Rounds; round++)
        {
            await a.UserActionAsync("EnableSmartAccessGatewayUser", smartAgId, user);
            var name = "name-" + round;
            var description = "description " + round;

            await Task.WhenAll(
                a.CallOkAsync("ResetSmartAccessGatewayClientUserPassword", new() { ["SmartAGId"] = smartAgId, ["UserName"] = user, ["Password"] = "Round" + round + "_password" }),
                b.UserActionAsync("DisableSmartAccessGatewayUser", smartAgId, user),
                a.CallOkAsync("ModifySmartAccessGateway", new() { ["SmartAGId"] = smartAgId, ["Name"] = name }),
                b.CallOkAsync("ModifySmartAccessGateway", new() { ["SmartAGId"] = smartAgId, ["Description"] = description }));

            var users = await b.CallOkAsync("DescribeSmartAccessGatewayClientUsers", new() { ["SmartAGId"] = smartAgId, ["UserName"] = user });
            var stored = Assert.Single(users.GetProperty("Users").GetProperty("User").EnumerateArray());
            Assert.True(stored.GetProperty("State").GetInt32() == 1, $"round {round}: the user is enabled again after a disable: {stored}");
            var instance = await a.CallOkAsync("DescribeSmartAccessGatewayAttribute", new() { ["SmartAGId"] = smartAgId });
            Assert.True(Text(instance, "Name") == name && Text(instance, "Description") == description, $"round {round}: Name {name} or Description {description} was lost: {instance}");
        }
    }

    private static string? Text(JsonElement body, string name) => body.GetProperty(name).GetString();
}
