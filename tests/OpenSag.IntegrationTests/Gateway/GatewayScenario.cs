using System.Globalization;
using System.Text.Json;
using OpenSag.Client;
using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.Gateway;

/// <summary>
/// One gateway test's world: a real <c>opensag serve</c> whose tunnels may reach loopback, an echo service
/// standing in for the private network, instances and users made through the signed API, and the
/// <c>opensag connect</c> processes started for the test. Disposing kills the clients, then stops the server.
/// </summary>
public sealed class GatewayScenario : IAsyncDisposable
{
    /// <summary>Bound on one API call (loopback; the slowest is a user creation, which hashes a password).</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(15);

    /// <summary>Every test password: 8–32 letters, digits, _ @ -.</summary>
    public const string Password = "Corr3ct_horse-42";

    /// <summary>The echo and byte-source services listen on 127.0.0.1, which the default policy refuses.</summary>
    private static readonly string[] LoopbackTunnels = ["--tunnel-allow", "127.0.0.0/8"];

    private readonly List<ConnectProcess> _clients = [];
    private readonly SignedRpcClient _rpc;

    private GatewayScenario(OpenSagServer server, string? regionId = null)
    {
        Server = server;
        _rpc = new SignedRpcClient(server);
        RegionId = regionId ?? "cn-gw-" + Guid.NewGuid().ToString("N")[..8];
    }

    public OpenSagServer Server { get; }

    /// <summary>The stand-in for a host on the private network (127.0.0.1, allowed by --tunnel-allow).</summary>
    public EchoServer Echo { get; } = new();

    /// <summary>A region of this scenario's own, so nothing else shares its instances.</summary>
    public string RegionId { get; }

    /// <summary>Starts a server with tunnels allowed to 127.0.0.0/8 and the given further <c>serve</c> options.</summary>
    public static async Task<GatewayScenario> StartAsync(params string[] serverArguments)
    {
        var server = await OpenSagServer.StartWithRandomKeysAsync([.. LoopbackTunnels, .. serverArguments])
            .WaitAsync(OpenSagServer.StartTimeout + OpenSagServer.StartTimeout);
        return new GatewayScenario(server);
    }

    /// <summary>
    /// A scenario around a server the caller started, e.g. one node of a cluster; several nodes share
    /// <paramref name="regionId"/>, so what one creates the others find. Disposing stops the server.
    /// </summary>
    public static GatewayScenario Around(OpenSagServer server, string regionId) => new(server, regionId);

    /// <summary>A SAG App instance with the given client address space; returns its SmartAGId.</summary>
    public async Task<string> CreateInstanceAsync(string cidrBlock = "10.10.0.0/24")
    {
        var created = await CallOkAsync("CreateSmartAccessGatewaySoftware", new()
        {
            ["ChargeType"] = "PREPAY",
            ["Period"] = "1",
            ["UserCount"] = "20",
            ["DataPlan"] = "5",
            ["AutoPay"] = "true",
        });
        var smartAgId = created.GetProperty("SmartAGId").GetString()!;
        await CallOkAsync("ModifySmartAccessGateway", new() { ["SmartAGId"] = smartAgId, ["CidrBlock"] = cidrBlock });
        return smartAgId;
    }

    /// <summary>A client user with <see cref="Password"/>; <paramref name="bandwidthKbps"/> is its Bandwidth (Kbit/s, all sessions together).</summary>
    public Task CreateUserAsync(string smartAgId, string userName, int bandwidthKbps = 20_000) =>
        CallOkAsync("CreateSmartAccessGatewayClientUser", new()
        {
            ["SmartAGId"] = smartAgId,
            ["UserName"] = userName,
            ["Password"] = Password,
            ["UserMail"] = userName + "@example.com",
            ["Bandwidth"] = bandwidthKbps.ToString(CultureInfo.InvariantCulture),
        });

    /// <summary>KickOutClients (its parameter is <c>Username</c>, lower-case n).</summary>
    public Task KickOutAsync(string smartAgId, string userName) =>
        CallOkAsync("KickOutClients", new() { ["SmartAGId"] = smartAgId, ["Username"] = userName });

    /// <summary>Calls <paramref name="action"/> (e.g. DisableSmartAccessGatewayUser) with SmartAGId and UserName.</summary>
    public Task UserActionAsync(string action, string smartAgId, string userName) =>
        CallOkAsync(action, new() { ["SmartAGId"] = smartAgId, ["UserName"] = userName });

    /// <summary>DescribeUserOnlineClients: the user's online connections as (ClientIp, OnlineTime).</summary>
    public async Task<IReadOnlyList<(string ClientIp, long OnlineTime)>> OnlineClientsAsync(string smartAgId, string userName)
    {
        var body = await CallOkAsync("DescribeUserOnlineClients", new() { ["SmartAGId"] = smartAgId, ["UserName"] = userName });
        return [.. body.GetProperty("Users").GetProperty("User").EnumerateArray().Select(u => (
            u.GetProperty("ClientIp").GetString()!,
            long.Parse(u.GetProperty("OnlineTime").ToString(), CultureInfo.InvariantCulture)))];
    }

    /// <summary>DescribeUserOnlineClientStatistics for one user: its OnlineCount.</summary>
    public async Task<int> OnlineCountAsync(string smartAgId, string userName)
    {
        var body = await CallOkAsync("DescribeUserOnlineClientStatistics", new() { ["SmartAGId"] = smartAgId, ["UserNames.1"] = userName });
        var entry = Assert.Single(body.GetProperty("UserStatistics").GetProperty("Statistics").EnumerateArray());
        Assert.Equal(userName, entry.GetProperty("UserName").GetString());
        return int.Parse(entry.GetProperty("OnlineCount").ToString(), CultureInfo.InvariantCulture);
    }

    /// <summary>DescribeSagOnlineClientStatistics for one instance: all of its online connections.</summary>
    public async Task<int> InstanceOnlineCountAsync(string smartAgId)
    {
        var body = await CallOkAsync("DescribeSagOnlineClientStatistics", new() { ["SmartAGIds.1"] = smartAgId });
        var entry = Assert.Single(body.GetProperty("SagStatistics").GetProperty("Statistics").EnumerateArray());
        Assert.Equal(smartAgId, entry.GetProperty("SmartAGId").GetString());
        return int.Parse(entry.GetProperty("OnlineCount").ToString(), CultureInfo.InvariantCulture);
    }

    /// <summary>DescribeUserFlowStatistics for this month: TotalBytes (client → network) and TotalLeaveBytes (network → client).</summary>
    public async Task<(long TotalBytes, long TotalLeaveBytes)> FlowAsync(string smartAgId, string userName)
    {
        var body = await CallOkAsync("DescribeUserFlowStatistics", new() { ["SmartAGId"] = smartAgId, ["UserNames.1"] = userName });
        var entry = Assert.Single(body.GetProperty("SagStatistics").GetProperty("Statistics").EnumerateArray());
        Assert.Equal(userName, entry.GetProperty("UserName").GetString());
        return (ReadByteCount(entry, "TotalBytes"), ReadByteCount(entry, "TotalLeaveBytes"));
    }

    /// <summary>Polls DescribeUserOnlineClientStatistics until the user has <paramref name="expected"/> connections.</summary>
    public Task WaitOnlineCountAsync(string smartAgId, string userName, int expected, TimeSpan deadline) =>
        Polling.UntilAsync(() => OnlineCountAsync(smartAgId, userName), n => n == expected, deadline,
            $"OnlineCount of {userName} on {smartAgId} == {expected}");

    /// <summary>Starts <c>opensag connect</c> for the user, to this server's gateway unless <paramref name="gateway"/> says otherwise.</summary>
    public ConnectProcess Connect(string smartAgId, string userName, IReadOnlyList<string>? forwardTargets = null, bool socks = false,
        string? gateway = null, string password = Password)
    {
        var client = ConnectProcess.Start(gateway ?? Server.GatewayAddress, Server.GatewayCertificatePath, smartAgId, userName, password, forwardTargets, socks);
        _clients.Add(client);
        return client;
    }

    /// <summary><see cref="Connect"/>, then waits for its "online:" line.</summary>
    public async Task<ConnectProcess> ConnectOnlineAsync(string smartAgId, string userName, IReadOnlyList<string>? forwardTargets = null,
        bool socks = false, string? gateway = null)
    {
        var client = Connect(smartAgId, userName, forwardTargets, socks, gateway);
        await client.WaitOnlineAsync();
        return client;
    }

    /// <summary>Options for the in-process client library (<see cref="ClientSession"/>) as the same user.</summary>
    public ClientOptions ClientOptions(string smartAgId, string userName) =>
        new(Server.GatewayAddress, Server.GatewayCertificatePath, smartAgId, userName, Password);

    /// <summary>Calls an action in this scenario's region and asserts HTTP 200; returns the body.</summary>
    public async Task<JsonElement> CallOkAsync(string action, Dictionary<string, string> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        parameters["RegionId"] = RegionId;
        var (status, body) = await _rpc.CallAsync(action, parameters).WaitAsync(RequestTimeout);
        Assert.True(status == 200, $"{action} answered {status}: {body}\n{Server.Output}");
        return body;
    }

    /// <summary>Calls one of OpenSAG's own actions (at <c>/opensag</c>) and asserts HTTP 200; returns the body. No RegionId is added.</summary>
    public async Task<JsonElement> CallOpenSagOkAsync(string action, Dictionary<string, string> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var (status, body) = await _rpc.CallOpenSagAsync(action, parameters).WaitAsync(RequestTimeout);
        Assert.True(status == 200, $"{action} answered {status}: {body}\n{Server.Output}");
        return body;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            await client.DisposeAsync();
        }

        _rpc.Dispose();
        await Echo.DisposeAsync();
        await Server.DisposeAsync();
    }

    /// <summary>The flow counters are strings on the wire (spec), holding a whole number of bytes.</summary>
    private static long ReadByteCount(JsonElement entry, string name)
    {
        var value = entry.GetProperty(name);
        Assert.True(value.ValueKind == JsonValueKind.String, $"{name} should be a string, was {value.ValueKind}: {entry}");
        return long.Parse(value.GetString()!, NumberStyles.None, CultureInfo.InvariantCulture);
    }
}
