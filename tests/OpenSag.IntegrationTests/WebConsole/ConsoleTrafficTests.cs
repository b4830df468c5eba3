using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using OpenSag.IntegrationTests.Gateway;
using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.WebConsole;

/// <summary>The traffic page shows each user's month as DescribeUserFlowStatistics reports it, chart and table (issue 13 item 1).</summary>
[Collection(SerialGatewayTests.Name)]
public sealed partial class ConsoleTrafficTests
{
    /// <summary>The flow counters are written every 2 s (GatewayOptions.FlowFlushInterval).</summary>
    private static readonly TimeSpan FlowDeadline = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Traffic_UserMovedBytesThroughATunnel_ChartAndTableShowTheApisTotals()
    {
        await using var scenario = await GatewayScenario.StartAsync();
        var smartAgId = await scenario.CreateInstanceAsync();
        await scenario.CreateUserAsync(smartAgId, "traffic.busy");
        await scenario.CreateUserAsync(smartAgId, "traffic.idle");
        var client = await scenario.ConnectOnlineAsync(smartAgId, "traffic.busy", [scenario.Echo.Destination]);
        var payload = new byte[64 * 1024];
        Random.Shared.NextBytes(payload);
        Assert.Equal(payload, await TunnelTraffic.RoundTripAsync(client.ForwardPorts[0], payload, TunnelTraffic.ProbeTimeout));
        var (sent, received) = await Polling.UntilAsync(() => scenario.FlowAsync(smartAgId, "traffic.busy"),
            f => f.TotalBytes >= payload.Length && f.TotalLeaveBytes >= payload.Length, FlowDeadline, "the flow totals of traffic.busy");
        using var console = new ConsoleClient(scenario.Server.ConsoleEndpoint!);
        await console.SignInAsync(scenario.Server);

        var page = await console.PageAsync($"/instances/{smartAgId}/traffic");

        Assert.Contains("data-test=\"traffic-chart\"", page, StringComparison.Ordinal);
        Assert.Contains("<g data-user=\"traffic.busy\">", page, StringComparison.Ordinal);
        Assert.DoesNotContain("data-user=\"traffic.idle\"", page, StringComparison.Ordinal);
        var row = TrafficRow().Match(page);
        Assert.True(row.Success, page);
        Assert.Equal("traffic.busy", row.Groups["user"].Value);
        Assert.Equal(sent, long.Parse(row.Groups["in"].Value, CultureInfo.InvariantCulture));
        Assert.Equal(received, long.Parse(row.Groups["out"].Value, CultureInfo.InvariantCulture));
        Assert.Contains("1 of 2 user(s) moved traffic in " + DateTime.UtcNow.ToString("yyyyMM", CultureInfo.InvariantCulture), page, StringComparison.Ordinal);

        Assert.Contains("No traffic in 209901.", await console.PageAsync($"/instances/{smartAgId}/traffic?month=209901"), StringComparison.Ordinal);
        foreach (var month in new[] { "202613", "2026-11", "%00", "999999999" })
        {
            using var refused = await console.GetAsync($"/instances/{smartAgId}/traffic?month={month}");
            Assert.True(refused.StatusCode == HttpStatusCode.BadRequest, $"month={month} answered {(int)refused.StatusCode}");
            Assert.StartsWith("InvalidStatisticsDate", ConsoleClient.TestText(await refused.Content.ReadAsStringAsync(), "error"), StringComparison.Ordinal);
        }
    }

    [GeneratedRegex("data-test=\"traffic-row\" data-user=\"(?<user>[^\"]+)\">\\s*<td>[^<]*</td>\\s*<td class=\"num\" title=\"(?<in>\\d+) bytes\">[^<]*</td>\\s*<td class=\"num\" title=\"(?<out>\\d+) bytes\">")]
    private static partial Regex TrafficRow();
}
