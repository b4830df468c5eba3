using System.Diagnostics;
using System.Net;
using Npgsql;
using OpenSag.Client;
using OpenSag.Domain;
using OpenSag.IntegrationTests.Gateway;
using OpenSag.IntegrationTests.Support;
using Xunit.Abstractions;

namespace OpenSag.IntegrationTests.Cluster;

/// <summary>
/// Addresses and kicks across nodes (issue 11): no two users' sessions share a ClientIp on any node, each node leases
/// from its own slice of the block, and a revoking action answers only once the user's sessions on every node are closed.
/// </summary>
[Collection(SerialGatewayTests.Name)]
public sealed class ClusterAddressTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [PostgresFact]
    public async Task CreateClientUser_StaticClientIpHeldByASessionOnAnotherNode_Refused()
    {
        await using var cluster = await ClusterScenario.StartAsync(2);
        var (a, b) = (cluster.Nodes[0], cluster.Nodes[1]);
        var smartAgId = await cluster.CreateInstanceWithUserAsync("10.44.0.0/24", "dora-dynamic");
        await using var dynamic = await ClientSession.LoginAsync(b.ClientOptions(smartAgId, "dora-dynamic"), null, CancellationToken.None).WaitAsync(Timeout);

        using var rpc = new SignedRpcClient(a.Server);
        var (status, body) = await rpc.CallAsync("CreateSmartAccessGatewayClientUser", StaticUser(a, smartAgId, "sam-static", dynamic.Online.ClientIp)).WaitAsync(Timeout);

        Assert.True(status == 400 && body.GetProperty("Code").GetString() == "ClientUser.InvalidClientIp", $"answered {status}: {body}");
    }

    /// <summary>
    /// The race the API's check cannot close alone: a dynamic lease taken on another node while the static ClientIp was
    /// being stored (simulated by writing that lease row). The static user's login is refused, saying why, and works
    /// once the lease is gone.
    /// </summary>
    [PostgresFact]
    public async Task Login_StaticClientIpLeasedToAnotherSessionMeanwhile_RefusedUntilTheLeaseIsGone()
    {
        await using var cluster = await ClusterScenario.StartAsync(2);
        var a = cluster.Nodes[0];
        var smartAgId = await a.CreateInstanceAsync("10.45.0.0/24");
        await a.CallOkAsync("CreateSmartAccessGatewayClientUser", StaticUser(a, smartAgId, "sam-static", "10.45.0.7"));
        var address = (long)Ipv4.ToUInt32(IPAddress.Parse("10.45.0.7"));
        await ExecuteAsync(cluster, "INSERT INTO client_ip_leases (smart_ag_id, client_ip, node_id, session_id) VALUES ($1, $2, 'node-b', 'raced-dynamic')", smartAgId, address);

        var refused = await Assert.ThrowsAsync<LoginRefusedException>(() => ClientSession.LoginAsync(a.ClientOptions(smartAgId, "sam-static"), null, CancellationToken.None).WaitAsync(Timeout));
        Assert.Contains("static ClientIp 10.45.0.7 is held by another online client", refused.Message, StringComparison.Ordinal);

        await ExecuteAsync(cluster, "DELETE FROM client_ip_leases WHERE smart_ag_id = $1 AND client_ip = $2", smartAgId, address);
        await using var session = await ClientSession.LoginAsync(a.ClientOptions(smartAgId, "sam-static"), null, CancellationToken.None).WaitAsync(Timeout);
        Assert.Equal("10.45.0.7", session.Online.ClientIp);
    }

    [PostgresFact]
    public async Task ClientIpSlices_TwoNodes_EachLeasesFromItsOwnSliceAndSaysWhenItIsFull()
    {
        await using var cluster = await ClusterScenario.StartAsync(0);
        var a = await cluster.AddNodeAsync("node-a", cluster.ConnectionString, "--client-ip-slice", "1/2");
        var b = await cluster.AddNodeAsync("node-b", cluster.ConnectionString, "--client-ip-slice", "2/2");
        var wide = await cluster.CreateInstanceWithUserAsync("10.46.0.0/24", "dora-dynamic");
        var narrow = await cluster.CreateInstanceWithUserAsync("10.46.1.0/30", "nick-narrow");

        await using var onA = await ClientSession.LoginAsync(a.ClientOptions(wide, "dora-dynamic"), null, CancellationToken.None).WaitAsync(Timeout);
        await using var onB = await ClientSession.LoginAsync(b.ClientOptions(wide, "dora-dynamic"), null, CancellationToken.None).WaitAsync(Timeout);
        Assert.Equal(("10.46.0.1", "10.46.0.128"), (onA.Online.ClientIp, onB.Online.ClientIp));

        // A /30 in two: 10.46.1.1 for node A, 10.46.1.2 for node B; each holds one client, the next is told why not.
        await using var narrowOnA = await ClientSession.LoginAsync(a.ClientOptions(narrow, "nick-narrow"), null, CancellationToken.None).WaitAsync(Timeout);
        Assert.Equal("10.46.1.1", narrowOnA.Online.ClientIp);
        var refused = await Assert.ThrowsAsync<LoginRefusedException>(() => ClientSession.LoginAsync(a.ClientOptions(narrow, "nick-narrow"), null, CancellationToken.None).WaitAsync(Timeout));
        Assert.Equal("the instance has no free client address in this node's slice 1/2", refused.Message);
        await using var narrowOnB = await ClientSession.LoginAsync(b.ClientOptions(narrow, "nick-narrow"), null, CancellationToken.None).WaitAsync(Timeout);
        Assert.Equal("10.46.1.2", narrowOnB.Online.ClientIp);
    }

    /// <summary>
    /// Every revoking action (kick, disable, roam, delete) sent to node A, with the user's session on node B: when A
    /// answers, B has closed it (its row, which B's close path deletes after withdrawing the session, is gone).
    /// </summary>
    [PostgresFact]
    public async Task RevokingActions_SessionOnNodeB_ClosedThereWhenNodeAAnswers()
    {
        await using var cluster = await ClusterScenario.StartAsync(2);
        var (a, b) = (cluster.Nodes[0], cluster.Nodes[1]);
        var origin = await cluster.CreateInstanceWithUserAsync("10.47.0.0/24", "kim-kicked");
        var target = await a.CreateInstanceAsync("10.48.0.0/24");
        (string Action, string SmartAGId, Func<Task> Call, Func<Task>? After)[] steps =
        [
            ("KickOutClients", origin, () => a.KickOutAsync(origin, "kim-kicked"), null),
            ("KickOutClients", origin, () => a.KickOutAsync(origin, "kim-kicked"), null),
            ("KickOutClients", origin, () => a.KickOutAsync(origin, "kim-kicked"), null),
            ("DisableSmartAccessGatewayUser", origin, () => a.UserActionAsync("DisableSmartAccessGatewayUser", origin, "kim-kicked"),
                () => a.UserActionAsync("EnableSmartAccessGatewayUser", origin, "kim-kicked")),
            ("RoamClientUser", origin, () => a.CallOkAsync("RoamClientUser", new()
            {
                ["OriginRegionId"] = a.RegionId,
                ["OriginSmartAGId"] = origin,
                ["TargetSmartAGId"] = target,
                ["UserName"] = "kim-kicked",
            }), null),
            ("DeleteSmartAccessGatewayClientUser", target, () => a.UserActionAsync("DeleteSmartAccessGatewayClientUser", target, "kim-kicked"), null),
        ];

        foreach (var (action, smartAgId, call, after) in steps)
        {
            await using var session = await ClientSession.LoginAsync(b.ClientOptions(smartAgId, "kim-kicked"), null, CancellationToken.None).WaitAsync(Timeout);
            Assert.Equal(1, await SessionRowsAsync(cluster, smartAgId));

            var clock = Stopwatch.StartNew();
            await call().WaitAsync(Timeout);
            var answered = clock.Elapsed;
            var left = await SessionRowsAsync(cluster, smartAgId);
            output.WriteLine($"{action} on node A answered after {answered.TotalMilliseconds:0} ms; sessions of the user still listed: {left}");

            Assert.True(left == 0, $"{action} answered while node B still held the user's session.\n{b.Server.Output}");
            if (after is not null)
            {
                await after();
            }
        }
    }

    /// <summary>
    /// A node that stops beating without closing (cut off from the database: it fences itself, ClusterHeartbeat) holds
    /// a session of the user: the kick answers once that node's heartbeat is older than the node timeout (6 s with a
    /// 1 s heartbeat), not sooner and not never, and the warnings name the node.
    /// </summary>
    [PostgresFact]
    public async Task KickOutClients_ANodeThatDoesNotClose_AnswersOnceItsHeartbeatPassesTheNodeTimeoutNamingIt()
    {
        await using var cluster = await ClusterScenario.StartAsync(0);
        var a = await cluster.AddNodeAsync("node-a", cluster.ConnectionString, "--cluster-heartbeat", "1");
        var smartAgId = await cluster.CreateInstanceWithUserAsync("10.49.0.0/24", "kim-kicked");
        var clock = Stopwatch.StartNew();
        await ExecuteAsync(cluster, "INSERT INTO cluster_nodes (node_id, heartbeat_at) VALUES ('node-silent', now())");
        await ExecuteAsync(cluster,
            """
            INSERT INTO cluster_sessions (node_id, session_id, smart_ag_id, user_name, client_ip, online_since, peer_address, client_version, client_os, session_generation)
            VALUES ('node-silent', 's-silent', $1, 'kim-kicked', '10.49.0.9', now(), '', '', '', 0)
            """,
            smartAgId);

        await a.KickOutAsync(smartAgId, "kim-kicked");
        var answered = clock.Elapsed;
        output.WriteLine($"KickOutClients answered {answered.TotalMilliseconds:0} ms after node-silent's last heartbeat");

        Assert.InRange(answered, TimeSpan.FromSeconds(6), TimeSpan.FromSeconds(16));
        await Polling.UntilAsync(() => Task.FromResult(a.Server.Output), o => o.Contains("node(s) node-silent still list its sessions", StringComparison.Ordinal)
            && o.Contains("once node(s) node-silent had closed its sessions or missed heartbeats", StringComparison.Ordinal),
            TimeSpan.FromSeconds(5), "the warnings naming node-silent");
    }

    private static Dictionary<string, string> StaticUser(GatewayScenario node, string smartAgId, string userName, string clientIp) => new()
    {
        ["RegionId"] = node.RegionId,
        ["SmartAGId"] = smartAgId,
        ["UserName"] = userName,
        ["Password"] = GatewayScenario.Password,
        ["UserMail"] = userName + "@example.com",
        ["ClientIp"] = clientIp,
    };

    private static async Task<long> SessionRowsAsync(ClusterScenario cluster, string smartAgId)
    {
        await using var connection = new NpgsqlConnection(cluster.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM cluster_sessions WHERE smart_ag_id = $1 AND user_name = 'kim-kicked'", connection);
        command.Parameters.AddWithValue(smartAgId);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task ExecuteAsync(ClusterScenario cluster, string sql, params object[] values)
    {
        await using var connection = new NpgsqlConnection(cluster.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var value in values)
        {
            command.Parameters.AddWithValue(value);
        }

        await command.ExecuteNonQueryAsync();
    }
}
