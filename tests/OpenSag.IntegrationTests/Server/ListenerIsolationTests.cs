using System.Net;
using System.Net.WebSockets;
using OpenSag.Api.Actions;
using OpenSag.Client;
using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.Server;

/// <summary>
/// Each listener serves only its own endpoints (issue 9 item 1): the admin API and /healthz never answer on the
/// client-facing gateway port, over HTTP/1.1 or HTTP/2, and the gateway's paths never answer on the API port.
/// "Nothing useful" is an empty 404 and no effect.
/// </summary>
public sealed class ListenerIsolationTests
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(15);

    [Theory]
    [InlineData("1.1")]
    [InlineData("2.0")]
    public async Task GatewayPort_EverySignedApiActionAndHealthz_EmptyNotFoundAndNoEffect(string httpVersion)
    {
        await using var server = await OpenSagServer.StartWithRandomKeysAsync();
        using var rpc = new SignedRpcClient(server);
        using var gateway = new HttpClient(GatewayTrust.CreateHandler(server.GatewayCertificatePath))
        {
            DefaultRequestVersion = Version.Parse(httpVersion),
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = RequestTimeout,
        };
        var gatewayRoot = new Uri("https://" + server.GatewayAddress);
        var region = "cn-listen-" + Guid.NewGuid().ToString("N")[..8];
        var parameters = new Dictionary<string, string>
        {
            ["RegionId"] = region,
            ["ChargeType"] = "PREPAY",
            ["Period"] = "1",
            ["UserCount"] = "5",
            ["DataPlan"] = "5",
            ["AutoPay"] = "true",
        };

        var paths = SmartagActions.CreateTable().All.Select(a => "/?" + rpc.SignedQuery(a.Name, parameters)).Append("/healthz").ToList();
        Assert.Contains(paths, p => p.Contains("Action=KickOutClients", StringComparison.Ordinal));
        foreach (var path in paths)
        {
            using var response = await gateway.GetAsync(new Uri(gatewayRoot, path));
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.NotFound && body.Length == 0,
                $"GET {path[..Math.Min(path.Length, 60)]}… on the gateway port (HTTP/{response.Version}) answered {(int)response.StatusCode}: {body}");
        }

        // The signed CreateSmartAccessGatewaySoftware above must not have created anything.
        var (status, described) = await rpc.CallAsync("DescribeSmartAccessGateways", new Dictionary<string, string> { ["RegionId"] = region }).WaitAsync(RequestTimeout);
        Assert.True(status == 200, $"DescribeSmartAccessGateways on the API port answered {status}: {described}");
        Assert.Equal(0, described.GetProperty("TotalCount").GetInt32());
    }

    [Theory]
    [InlineData("/v1/control")]
    [InlineData("/v1/tunnel")]
    public async Task ApiPort_GatewayPath_EmptyNotFoundAndNoWebSocket(string path)
    {
        await using var server = await OpenSagServer.StartWithRandomKeysAsync();
        using var http = new HttpClient { Timeout = RequestTimeout };

        using var response = await http.GetAsync(new Uri(server.Endpoint, path));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.NotFound && body.Length == 0, $"GET {path} on the API port answered {(int)response.StatusCode}: {body}");

        using var socket = new ClientWebSocket();
        using var timeout = new CancellationTokenSource(RequestTimeout);
        var refused = await Assert.ThrowsAsync<WebSocketException>(() =>
            socket.ConnectAsync(new Uri($"ws://127.0.0.1:{server.Port}{path}"), timeout.Token));
        Assert.Contains("404", refused.Message, StringComparison.Ordinal);
    }
}
