using System.Net;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using OpenSag.Client;
using OpenSag.IntegrationTests.Gateway;
using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.Server;

/// <summary>
/// <c>GET /metrics</c> (issue 13 item 2): a real server on <c>--metrics-listen</c>, scraped in Prometheus' text format
/// before and after real work (signed API calls, one refused; an <c>opensag connect</c> login and a refused one;
/// bytes through a tunnel; a kick); every series the README lists exists and moved by exactly what was done.
/// </summary>
[Collection(SerialGatewayTests.Name)]
public sealed partial class MetricsTests
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(15);

    /// <summary>Bound on a counter catching up with what the test already saw happen (a relay counts after it writes).</summary>
    private static readonly TimeSpan SettleTimeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Metrics_ApiCallsLoginsTunnelAndKick_EverySeriesExistsAndMovesByTheWorkDone()
    {
        await using var scenario = await GatewayScenario.StartAsync("--metrics-listen", "127.0.0.1:0");
        var metrics = MetricsUrl(scenario.Server);
        using var http = new HttpClient { Timeout = RequestTimeout };
        var before = await PrometheusScrape.GetAsync(http, metrics);

        var smartAgId = await scenario.CreateInstanceAsync("10.30.0.0/24");
        await scenario.CreateUserAsync(smartAgId, "mia-metrics");
        using var rpc = new SignedRpcClient(scenario.Server);
        var (status, refusal) = await rpc.CallAsync("DescribeUserOnlineClients", new Dictionary<string, string>
        {
            ["RegionId"] = scenario.RegionId,
            ["SmartAGId"] = "sag-doesnotexist0000",
            ["UserName"] = "mia-metrics",
        }).WaitAsync(RequestTimeout);
        Assert.NotEqual(200, status);
        var refusalCode = refusal.GetProperty("Code").GetString()!;

        var client = await scenario.ConnectOnlineAsync(smartAgId, "mia-metrics", [scenario.Echo.Destination]);
        var wrong = scenario.Connect(smartAgId, "mia-metrics", password: "Wr0ng_password");
        Assert.Equal(3, await wrong.WaitForExitAsync(ConnectProcess.OnlineTimeout));
        var payload = RandomNumberGenerator.GetBytes(256 * 1024);
        Assert.Equal(payload, await TunnelTraffic.RoundTripAsync(client.ForwardPorts[0], payload, TunnelTraffic.ProbeTimeout));

        var online = await Polling.UntilAsync(() => PrometheusScrape.GetAsync(http, metrics),
            s => s.ValueOrZero("opensag_traffic_bytes_total", ("direction", "from-client")) - before.ValueOrZero("opensag_traffic_bytes_total", ("direction", "from-client")) >= payload.Length
                && s.ValueOrZero("opensag_traffic_bytes_total", ("direction", "to-client")) - before.ValueOrZero("opensag_traffic_bytes_total", ("direction", "to-client")) >= payload.Length,
            SettleTimeout, "tunnel bytes counted both ways");
        Assert.Equal(1, online.Value("opensag_sessions_online", ("smartag_id", smartAgId)));

        await scenario.KickOutAsync(smartAgId, "mia-metrics");
        Assert.Equal(4, await client.WaitForExitAsync(ConnectProcess.StopTimeout));
        var after = await PrometheusScrape.GetAsync(http, metrics);
        var context = $"before:\n{before.Text}\nafter:\n{after.Text}";

        double Moved(string name, params (string, string)[] labels) => after.ValueOrZero(name, labels) - before.ValueOrZero(name, labels);

        // API: by action and code, with a latency histogram by action.
        Assert.True(Moved("opensag_api_requests_total", ("action", "CreateSmartAccessGatewayClientUser"), ("code", "Success")) == 1, context);
        Assert.True(Moved("opensag_api_requests_total", ("action", "DescribeUserOnlineClients"), ("code", refusalCode)) == 1, context);
        Assert.True(Moved("opensag_api_requests_total", ("action", "KickOutClients"), ("code", "Success")) == 1, context);
        Assert.True(Moved("opensag_api_request_duration_seconds_count", ("action", "CreateSmartAccessGatewayClientUser")) == 1, context);
        Assert.True(Moved("opensag_api_request_duration_seconds_bucket", ("action", "CreateSmartAccessGatewayClientUser"), ("le", "+Inf")) == 1, context);
        Assert.True(Moved("opensag_api_request_duration_seconds_sum", ("action", "CreateSmartAccessGatewayClientUser")) > 0, context);
        Assert.Equal("counter", after.TypeOf("opensag_api_requests_total"));
        Assert.Equal("histogram", after.TypeOf("opensag_api_request_duration_seconds"));

        // Logins: one accepted by password, one refused as login-refused.
        Assert.True(Moved("opensag_logins_total", ("outcome", "accepted"), ("method", "password")) == 1, context);
        Assert.True(Moved("opensag_logins_total", ("outcome", "refused"), ("reason", "login-refused"), ("method", "password")) == 1, context);

        // The kick, the session it closed, and the instance's online gauge at 0 with its last session gone (the
        // exporter keeps a series once it exists, so the gauge reports 0 rather than leaving its last count).
        Assert.True(Moved("opensag_kicks_total", ("reason", "kicked-out")) == 1, context);
        Assert.True(Moved("opensag_kicks_sessions_total", ("reason", "kicked-out")) == 1, context);
        Assert.Equal(0, after.Value("opensag_sessions_online", ("smartag_id", smartAgId)));
        Assert.Equal("gauge", after.TypeOf("opensag_sessions_online"));

        // Bytes each way, at least the payload (plus the tunnel's own framing of nothing: streams count payload only).
        Assert.True(Moved("opensag_traffic_bytes_total", ("direction", "from-client")) >= payload.Length, context);
        Assert.True(Moved("opensag_traffic_bytes_total", ("direction", "to-client")) >= payload.Length, context);

        // Password checks: none waiting or running at rest (one ran for each login).
        Assert.Equal(0, after.Value("opensag_logins_password_checks", ("state", "waiting")));
        Assert.Equal(0, after.Value("opensag_logins_password_checks", ("state", "running")));

        // Store: every answered write (instance, CIDR, user, the kick's generation bump) went through a committed batch.
        Assert.True(Moved("opensag_store_write_batch_duration_seconds_count", ("engine", "sqlite"), ("outcome", "committed")) >= 1, context);
        Assert.True(Moved("opensag_store_write_batch_size_sum", ("engine", "sqlite")) >= 4, context);

        // Nothing else on the metrics listener, and no /metrics on the API's or the gateway's.
        using var other = await http.GetAsync(new Uri(metrics, "/healthz"));
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        using var onApi = await http.GetAsync(new Uri(scenario.Server.Endpoint, "/metrics"));
        Assert.Equal(HttpStatusCode.NotFound, onApi.StatusCode);
        using var gateway = new HttpClient(GatewayTrust.CreateHandler(scenario.Server.GatewayCertificatePath)) { Timeout = RequestTimeout };
        using var onGateway = await gateway.GetAsync(new Uri("https://" + scenario.Server.GatewayAddress + "/metrics"));
        Assert.Equal(HttpStatusCode.NotFound, onGateway.StatusCode);
    }

    [Fact]
    public async Task Metrics_NoMetricsListen_OnTheConsoleListenerWithoutSignInAndTheConsoleStillSignedOut()
    {
        await using var server = await OpenSagServer.StartWithRandomKeysAsync();
        var metrics = MetricsUrl(server);
        Assert.Equal(new Uri(server.ConsoleEndpoint!, "/metrics"), metrics);
        using var rpc = new SignedRpcClient(server);
        var (status, _) = await rpc.CallAsync("DescribeRegions", new Dictionary<string, string>()).WaitAsync(RequestTimeout);
        Assert.Equal(200, status);
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { Timeout = RequestTimeout };

        var scrape = await PrometheusScrape.GetAsync(http, metrics);

        Assert.True(scrape.ValueOrZero("opensag_api_requests_total", ("action", "DescribeRegions"), ("code", "Success")) >= 1, scrape.Text);
        using var page = await http.GetAsync(new Uri(server.ConsoleEndpoint!, "/instances"));
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
    }

    [PostgresFact]
    public async Task Metrics_PostgresKick_NotificationDelayAndWriteTransactionsCounted()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var database = await PostgresTestDatabase.CreateAsync(deadline.Token);
        await using var server = await OpenSagServer.StartWithRandomKeysAsync("--store", "postgres", "--postgres", database.ConnectionString, "--metrics-listen", "127.0.0.1:0");
        await using var scenario = GatewayScenario.Around(server, "cn-pgm-" + Guid.NewGuid().ToString("N")[..8]);
        var metrics = MetricsUrl(server);
        using var http = new HttpClient { Timeout = RequestTimeout };
        var before = await PrometheusScrape.GetAsync(http, metrics);

        var smartAgId = await scenario.CreateInstanceAsync("10.31.0.0/24");
        await scenario.KickOutAsync(smartAgId, "nobody-online");

        // The node hears its own revocation NOTIFY on its listening connection, stamped with its send time.
        var after = await Polling.UntilAsync(() => PrometheusScrape.GetAsync(http, metrics),
            s => s.ValueOrZero("opensag_cluster_notification_delay_seconds_count", ("channel", "revocation")) > before.ValueOrZero("opensag_cluster_notification_delay_seconds_count", ("channel", "revocation")),
            SettleTimeout, "the revocation notice's delay recorded");
        Assert.Equal("histogram", after.TypeOf("opensag_cluster_notification_delay_seconds"));
        Assert.True(after.ValueOrZero("opensag_store_write_batch_duration_seconds_count", ("engine", "postgres"), ("outcome", "committed"))
            - before.ValueOrZero("opensag_store_write_batch_duration_seconds_count", ("engine", "postgres"), ("outcome", "committed")) >= 3, after.Text);
    }

    /// <summary>The /metrics URL serve printed ("OpenSAG metrics listening on http://127.0.0.1:PORT/metrics").</summary>
    private static Uri MetricsUrl(OpenSagServer server) =>
        MetricsLine().Match(server.Output) is { Success: true } line
            ? new Uri(line.Groups["url"].Value)
            : throw new InvalidOperationException($"serve printed no metrics listening line.\n{server.Output}");

    [GeneratedRegex(@"OpenSAG metrics listening on (?<url>http://\S+)")]
    private static partial Regex MetricsLine();
}
