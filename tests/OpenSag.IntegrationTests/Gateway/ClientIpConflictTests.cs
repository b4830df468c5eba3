using System.Text.Json;
using OpenSag.Client;
using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.Gateway;

/// <summary>
/// No two users' live sessions of an instance hold one ClientIp (issue 11: layer 3 sends replies to the one session
/// that holds their destination): the API refuses a static ClientIp an online client holds as a dynamic lease.
/// </summary>
[Collection(SerialGatewayTests.Name)]
public sealed class ClientIpConflictTests
{
    [Fact]
    public async Task CreateClientUser_StaticClientIpHeldByAnOnlineDynamicSession_RefusedAndTheAddressStaysWithThatSession()
    {
        await using var scenario = await GatewayScenario.StartAsync();
        var smartAgId = await scenario.CreateInstanceAsync("10.41.0.0/24");
        await scenario.CreateUserAsync(smartAgId, "dora-dynamic");
        await using var dynamic = await ClientSession.LoginAsync(scenario.ClientOptions(smartAgId, "dora-dynamic"), null, CancellationToken.None)
            .WaitAsync(ConnectProcess.OnlineTimeout);
        Assert.Equal("10.41.0.1", dynamic.Online.ClientIp);

        var (status, body) = await CreateStaticUserAsync(scenario, smartAgId, "sam-static", "10.41.0.1");

        Assert.True(status == 400 && body.GetProperty("Code").GetString() == "ClientUser.InvalidClientIp", $"answered {status}: {body}");
        Assert.Contains("held by an online client", body.GetProperty("Message").GetString(), StringComparison.Ordinal);
        var (freeStatus, freeBody) = await CreateStaticUserAsync(scenario, smartAgId, "sam-static", "10.41.0.2");
        Assert.True(freeStatus == 200, $"a free static ClientIp was refused: {freeStatus} {freeBody}");
    }

    [Fact]
    public async Task RoamClientUser_StaticClientIpHeldInTheTargetByAnOnlineDynamicSession_RefusedAndTheUserStays()
    {
        await using var scenario = await GatewayScenario.StartAsync();
        var origin = await scenario.CreateInstanceAsync("10.42.0.0/24");
        var target = await scenario.CreateInstanceAsync("10.42.0.0/24");
        await scenario.CreateUserAsync(target, "dora-dynamic");
        await using var dynamic = await ClientSession.LoginAsync(scenario.ClientOptions(target, "dora-dynamic"), null, CancellationToken.None)
            .WaitAsync(ConnectProcess.OnlineTimeout);
        var (created, createdBody) = await CreateStaticUserAsync(scenario, origin, "sam-static", dynamic.Online.ClientIp);
        Assert.True(created == 200, $"{created} {createdBody}");

        using var rpc = new SignedRpcClient(scenario.Server);
        var (status, body) = await rpc.CallAsync("RoamClientUser", new Dictionary<string, string>
        {
            ["RegionId"] = scenario.RegionId,
            ["OriginRegionId"] = scenario.RegionId,
            ["OriginSmartAGId"] = origin,
            ["TargetSmartAGId"] = target,
            ["UserName"] = "sam-static",
        }).WaitAsync(GatewayScenario.RequestTimeout);

        Assert.True(status == 400 && body.GetProperty("Code").GetString() == "ClientUser.InvalidClientIp", $"answered {status}: {body}");
        var users = await scenario.CallOkAsync("DescribeSmartAccessGatewayClientUsers", new() { ["SmartAGId"] = origin, ["UserName"] = "sam-static" });
        Assert.Single(users.GetProperty("Users").GetProperty("User").EnumerateArray());
    }

    [Fact]
    public async Task Login_StaticUserTwice_BothSessionsShareItsClientIpAndNoDynamicLeaseTakesIt()
    {
        await using var scenario = await GatewayScenario.StartAsync();
        var smartAgId = await scenario.CreateInstanceAsync("10.43.0.0/24");
        var (created, createdBody) = await CreateStaticUserAsync(scenario, smartAgId, "sam-static", "10.43.0.1");
        Assert.True(created == 200, $"{created} {createdBody}");
        await scenario.CreateUserAsync(smartAgId, "dora-dynamic");

        await using var first = await ClientSession.LoginAsync(scenario.ClientOptions(smartAgId, "sam-static"), null, CancellationToken.None).WaitAsync(ConnectProcess.OnlineTimeout);
        await using var second = await ClientSession.LoginAsync(scenario.ClientOptions(smartAgId, "sam-static"), null, CancellationToken.None).WaitAsync(ConnectProcess.OnlineTimeout);
        await using var dynamic = await ClientSession.LoginAsync(scenario.ClientOptions(smartAgId, "dora-dynamic"), null, CancellationToken.None).WaitAsync(ConnectProcess.OnlineTimeout);

        Assert.Equal(("10.43.0.1", "10.43.0.1", "10.43.0.2"), (first.Online.ClientIp, second.Online.ClientIp, dynamic.Online.ClientIp));
    }

    private static async Task<(int Status, JsonElement Body)> CreateStaticUserAsync(GatewayScenario scenario, string smartAgId, string userName, string clientIp)
    {
        using var rpc = new SignedRpcClient(scenario.Server);
        return await rpc.CallAsync("CreateSmartAccessGatewayClientUser", new Dictionary<string, string>
        {
            ["RegionId"] = scenario.RegionId,
            ["SmartAGId"] = smartAgId,
            ["UserName"] = userName,
            ["Password"] = GatewayScenario.Password,
            ["UserMail"] = userName + "@example.com",
            ["ClientIp"] = clientIp,
        }).WaitAsync(GatewayScenario.RequestTimeout);
    }
}
