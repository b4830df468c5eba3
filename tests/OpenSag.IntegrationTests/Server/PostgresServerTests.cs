using System.Text.Json;
using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.Server;

/// <summary><c>opensag serve --store postgres</c>: answered writes live in the shared database, not in the node.</summary>
public sealed class PostgresServerTests
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(15);

    [PostgresFact]
    public async Task Serve_StorePostgres_KeepsInstanceAndUserAcrossAKill()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var database = await PostgresTestDatabase.CreateAsync(deadline.Token);
        await using var server = await OpenSagServer.StartWithRandomKeysAsync("--store", "postgres", "--postgres", database.ConnectionString);
        var region = "cn-pg-" + Guid.NewGuid().ToString("N")[..8];

        string smartAgId;
        using (var client = new SignedRpcClient(server))
        {
            smartAgId = (await CallOkAsync(server, client, "CreateSmartAccessGatewaySoftware", new()
            {
                ["RegionId"] = region,
                ["ChargeType"] = "PREPAY",
                ["Period"] = "1",
                ["UserCount"] = "5",
                ["DataPlan"] = "5",
                ["AutoPay"] = "true",
            })).GetProperty("SmartAGId").GetString()!;
            await CallOkAsync(server, client, "ModifySmartAccessGateway", new() { ["RegionId"] = region, ["SmartAGId"] = smartAgId, ["CidrBlock"] = "10.20.0.0/24" });
            await CallOkAsync(server, client, "CreateSmartAccessGatewayClientUser", new()
            {
                ["RegionId"] = region,
                ["SmartAGId"] = smartAgId,
                ["UserName"] = "pguser01",
                ["Password"] = "Passw0rd_1",
                ["UserMail"] = "pguser01@example.com",
                ["Bandwidth"] = "2000",
            });
        }

        // SIGKILL right after the answers: the writes must already be committed in PostgreSQL (DESIGN.md §5).
        await server.RestartAsync(graceful: false);

        using (var client = new SignedRpcClient(server))
        {
            var listed = await CallOkAsync(server, client, "DescribeSmartAccessGatewayClientUsers", new() { ["RegionId"] = region, ["SmartAGId"] = smartAgId });
            var user = Assert.Single(listed.GetProperty("Users").GetProperty("User").EnumerateArray());
            Assert.Equal("pguser01", user.GetProperty("UserName").GetString());
        }

        // The records went to PostgreSQL, not to a SQLite file the restart merely found again.
        Assert.False(File.Exists(Path.Combine(server.DataDir, "opensag.db")), $"--store postgres wrote a SQLite database in {server.DataDir}.");
    }

    [PostgresFact]
    public async Task Serve_SecondNodeWithoutTheClusterSecretsKey_ExitsWithOneLine()
    {
        // Each node has its own data folder; without --secrets-key the second one makes a key of its own, which
        // cannot open the root secret the first one sealed.
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var database = await PostgresTestDatabase.CreateAsync(deadline.Token);
        await using var first = await OpenSagServer.StartWithRandomKeysAsync("--store", "postgres", "--postgres", database.ConnectionString, "--node-id", "node-a");

        var start = OpenSagServer.StartAsync(first.AccessKeyId, first.AccessKeySecret, null, "--store", "postgres", "--postgres", database.ConnectionString, "--node-id", "node-b");
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => start).WaitAsync(OpenSagServer.StartTimeout);

        Assert.Contains("exited with code 1 ", failure.Message, StringComparison.Ordinal);
        var error = Assert.Single(failure.Message.Split('\n'), l => l.StartsWith("err: ", StringComparison.Ordinal));
        Assert.StartsWith("err: opensag serve: cannot read the access-key secrets in PostgreSQL ", error, StringComparison.Ordinal);
        Assert.Contains("--secrets-key", error, StringComparison.Ordinal);
        Assert.DoesNotContain(first.AccessKeySecret, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_UnreachablePostgres_ExitsWithOneLineError()
    {
        // Port 1 on loopback: nothing listens there, so the connection is refused at once.
        var start = OpenSagServer.StartWithRandomKeysAsync("--store", "postgres", "--postgres", "Host=127.0.0.1;Port=1;Username=opensag;Password=not-shown;Timeout=5");

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => start).WaitAsync(OpenSagServer.StartTimeout);

        Assert.Contains("exited with code 1 ", failure.Message, StringComparison.Ordinal);
        var errors = failure.Message.Split('\n').Where(l => l.StartsWith("err: ", StringComparison.Ordinal)).ToList();
        var error = Assert.Single(errors);
        Assert.StartsWith("err: opensag serve: cannot use the database (PostgreSQL 127.0.0.1:1/", error, StringComparison.Ordinal);
        Assert.DoesNotContain("not-shown", failure.Message, StringComparison.Ordinal);
    }

    private static async Task<JsonElement> CallOkAsync(OpenSagServer server, SignedRpcClient client, string action, Dictionary<string, string> parameters)
    {
        var (status, body) = await client.CallAsync(action, parameters).WaitAsync(RequestTimeout);
        Assert.True(status == 200, $"{action} answered {status}: {body}\n{server.Output}");
        return body;
    }
}
