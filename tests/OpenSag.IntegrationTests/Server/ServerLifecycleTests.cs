using System.Text.Json;
using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.Server;

/// <summary>
/// The <c>opensag serve</c> process itself: it starts on port 0 and says where, stops on SIGTERM, and keeps
/// what it answered across a graceful restart and across SIGKILL (DESIGN.md §5).
/// </summary>
public sealed class ServerLifecycleTests
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Serve_Started_AnswersHealthzOnLoopback()
    {
        await using var server = await OpenSagServer.StartWithRandomKeysAsync();
        using var http = new HttpClient { Timeout = RequestTimeout };

        using var response = await http.GetAsync(new Uri(server.Endpoint, "/healthz"));

        Assert.True(response.IsSuccessStatusCode, $"GET /healthz answered {(int)response.StatusCode}.\n{server.Output}");
        Assert.InRange(server.Port, 1, 65535);
    }

    [Fact]
    public async Task Serve_Sigterm_ExitsCleanly()
    {
        await using var server = await OpenSagServer.StartWithRandomKeysAsync();

        var exitCode = await server.StopAsync();

        Assert.False(server.IsRunning);
        Assert.True(exitCode == 0, $"opensag serve exited with {exitCode} on SIGTERM.\n{server.Output}");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Restart_SameDataDir_KeepsAnsweredWrites(bool graceful)
    {
        await using var server = await OpenSagServer.StartWithRandomKeysAsync();
        var region = "cn-restart-" + Guid.NewGuid().ToString("N")[..8];
        string smartAgId;
        using (var client = new SignedRpcClient(server))
        {
            var (status, body) = await client.CallAsync("CreateSmartAccessGatewaySoftware", new Dictionary<string, string>
            {
                ["RegionId"] = region,
                ["ChargeType"] = "PREPAY",
                ["Period"] = "1",
                ["UserCount"] = "5",
                ["DataPlan"] = "5",
                ["AutoPay"] = "true",
            }).WaitAsync(RequestTimeout);
            Assert.True(status == 200, $"CreateSmartAccessGatewaySoftware answered {status}: {body}\n{server.Output}");
            smartAgId = body.GetProperty("SmartAGId").GetString()!;
        }

        // A SIGKILL right after the answer: DESIGN.md §5 says an answered write is already committed.
        await server.RestartAsync(graceful);

        using (var client = new SignedRpcClient(server))
        {
            var (status, body) = await client.CallAsync("DescribeSmartAccessGatewayAttribute", new Dictionary<string, string>
            {
                ["RegionId"] = region,
                ["SmartAGId"] = smartAgId,
            }).WaitAsync(RequestTimeout);
            Assert.True(status == 200, $"after a {(graceful ? "graceful" : "SIGKILL")} restart DescribeSmartAccessGatewayAttribute answered {status}: {body}\n{server.Output}");
            Assert.Equal(smartAgId, body.GetProperty("SmartAGId").GetString());
            Assert.Equal(JsonValueKind.Number, body.GetProperty("UserCount").ValueKind);
            Assert.Equal(5, body.GetProperty("UserCount").GetInt32());
        }
    }
}
