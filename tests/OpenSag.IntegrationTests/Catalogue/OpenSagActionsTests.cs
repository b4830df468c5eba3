using System.Text.Json;
using System.Xml.Linq;
using OpenSag.Api.Actions;
using OpenSag.Api.Responses;
using OpenSag.IntegrationTests.Gateway;
using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.Catalogue;

/// <summary>
/// OpenSAG's own actions at <c>/opensag</c> (issue 13): signed like the Smartag API, answering exactly their
/// declarations in JSON and XML, while <c>/</c> stays the cloud's (these names are InvalidAction.NotFound there).
/// </summary>
[Collection(SerialGatewayTests.Name)]
public sealed class OpenSagActionsTests
{
    [Fact]
    public async Task RootEndpoint_OpenSagActionNames_InvalidActionNotFoundAsTheCloud()
    {
        await using var scenario = await GatewayScenario.StartAsync();
        using var rpc = new SignedRpcClient(scenario.Server);

        foreach (var action in OpenSagActions.CreateTable().All.Select(a => a.Name))
        {
            var (status, body) = await rpc.CallAsync(action, new Dictionary<string, string> { ["RegionId"] = scenario.RegionId }).WaitAsync(GatewayScenario.RequestTimeout);

            Assert.Equal(404, status);
            Assert.Equal("InvalidAction.NotFound", body.GetProperty("Code").GetString());
        }
    }

    [Fact]
    public async Task OpenSagEndpoint_SmartagActionOrSmartagVersion_Refused()
    {
        await using var scenario = await GatewayScenario.StartAsync();
        using var rpc = new SignedRpcClient(scenario.Server);
        using var http = new HttpClient { Timeout = GatewayScenario.RequestTimeout };

        var (status, body) = await rpc.CallOpenSagAsync("KickOutClients", new Dictionary<string, string> { ["RegionId"] = scenario.RegionId }).WaitAsync(GatewayScenario.RequestTimeout);
        Assert.Equal((404, "InvalidAction.NotFound"), (status, body.GetProperty("Code").GetString()));

        var query = rpc.SignedQuery("DescribeServerStatus", new Dictionary<string, string>(), "2018-03-13");
        using var response = await http.GetAsync(new Uri(scenario.Server.Endpoint, SignedRpcClient.OpenSagPath + "?" + query));
        using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("InvalidVersion", error.RootElement.GetProperty("Code").GetString());

        var unsigned = await http.GetAsync(new Uri(scenario.Server.Endpoint, SignedRpcClient.OpenSagPath + "?Action=DescribeServerStatus&Version=" + SignedRpcClient.OpenSagVersion));
        Assert.False(unsigned.IsSuccessStatusCode, "an unsigned call was answered");
    }

    [Fact]
    public async Task DescribeServerStatus_RunningServer_NamesItsListenersStoreNodeAndSessions()
    {
        await using var scenario = await GatewayScenario.StartAsync();
        var sag = await scenario.CreateInstanceAsync("10.44.0.0/24");
        await scenario.CreateUserAsync(sag, "dave-status");
        await scenario.ConnectOnlineAsync(sag, "dave-status");

        var status = await scenario.CallOpenSagOkAsync("DescribeServerStatus", []);

        var listeners = status.GetProperty("Listeners").GetProperty("Listener").EnumerateArray()
            .ToDictionary(l => l.GetProperty("Name").GetString()!, l => l.GetProperty("Address").GetString());
        Assert.Equal(scenario.Server.Endpoint.ToString().TrimEnd('/'), listeners["api"]);
        Assert.Equal(scenario.Server.GatewayAddress, listeners["gateway"]);
        Assert.Equal(scenario.Server.ConsoleEndpoint!.ToString().TrimEnd('/'), listeners["console"]);
        Assert.Equal("sqlite " + Path.Combine(scenario.Server.DataDir, "opensag.db"), status.GetProperty("Store").GetString());
        Assert.Equal(1, status.GetProperty("OnlineSessions").GetInt32());
        Assert.False(string.IsNullOrEmpty(status.GetProperty("Node").GetString()));
        Assert.False(string.IsNullOrEmpty(status.GetProperty("Version").GetString()));
        Assert.True(status.GetProperty("UptimeSeconds").GetInt64() >= 0);
        var started = DateTimeOffset.Parse(status.GetProperty("StartTime").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(DateTimeOffset.UtcNow - started < TimeSpan.FromMinutes(5), $"StartTime {started}");
    }

    [Fact]
    public async Task DescribeAuditLog_ChangesSucceededAndRefused_NewestFirstWithOutcomesAndReadsAbsent()
    {
        await using var scenario = await GatewayScenario.StartAsync();
        var sag = await scenario.CreateInstanceAsync("10.45.0.0/24");
        await scenario.CreateUserAsync(sag, "erin-audited");
        await scenario.KickOutAsync(sag, "erin-audited");
        await scenario.CallOkAsync("DescribeSmartAccessGatewayClientUsers", new() { ["SmartAGId"] = sag });
        using var rpc = new SignedRpcClient(scenario.Server);
        var (refusedStatus, _) = await rpc.CallAsync("DeleteSmartAccessGatewayClientUser",
            new Dictionary<string, string> { ["RegionId"] = scenario.RegionId, ["SmartAGId"] = "sag-nothere", ["UserName"] = "erin-audited" }).WaitAsync(GatewayScenario.RequestTimeout);
        Assert.NotEqual(200, refusedStatus);

        var log = await scenario.CallOpenSagOkAsync("DescribeAuditLog", new() { ["AccessKeyId"] = scenario.Server.AccessKeyId });

        var entries = log.GetProperty("Entries").GetProperty("Entry").EnumerateArray().ToList();
        Assert.Equal(
            [
                ("DeleteSmartAccessGatewayClientUser", "SAG.InstanceNoFound", "sag-nothere", "erin-audited"),
                ("KickOutClients", "Success", sag, "erin-audited"),
                ("CreateSmartAccessGatewayClientUser", "Success", sag, "erin-audited"),
            ],
            entries.Take(3).Select(e => (e.GetProperty("ActionName").GetString(), e.GetProperty("Outcome").GetString(), e.GetProperty("SmartAGId").GetString(), e.GetProperty("Target").GetString())));
        Assert.DoesNotContain(entries, e => e.GetProperty("ActionName").GetString()!.StartsWith("Describe", StringComparison.Ordinal));
        Assert.All(entries, e => Assert.Equal("127.0.0.1", e.GetProperty("SourceAddress").GetString()));
        Assert.Equal(scenario.RegionId, entries[1].GetProperty("RegionId").GetString());
        var ids = entries.Select(e => e.GetProperty("Id").GetInt64()).ToList();
        Assert.Equal(ids.OrderDescending(), ids);

        var none = await scenario.CallOpenSagOkAsync("DescribeAuditLog", new() { ["StartTime"] = DateTimeOffset.UtcNow.AddHours(1).ToString(OpenSagActions.TimeFormat, System.Globalization.CultureInfo.InvariantCulture) });
        Assert.Equal(0, none.GetProperty("TotalCount").GetInt32());
    }

    [Fact]
    public async Task EveryOpenSagAction_JsonAndXml_AnswersExactlyItsDeclaredFields()
    {
        await using var scenario = await GatewayScenario.StartAsync();
        var sag = await scenario.CreateInstanceAsync("10.46.0.0/24");
        await scenario.CreateUserAsync(sag, "frank-declared");
        var online = await scenario.ConnectOnlineAsync(sag, "frank-declared");
        await scenario.KickOutAsync(sag, "nobody-online");
        using var rpc = new SignedRpcClient(scenario.Server);
        using var http = new HttpClient { Timeout = GatewayScenario.RequestTimeout };
        var table = OpenSagActions.CreateTable();
        var calls = new (string Action, Dictionary<string, string> Parameters)[]
        {
            ("DescribeOnlineSessions", new() { ["RegionId"] = scenario.RegionId, ["SmartAGId"] = sag }),
            ("DescribeServerStatus", []),
            ("DescribeAuditLog", new() { ["PageSize"] = "5" }),
            ("DisconnectSession", new() { ["RegionId"] = scenario.RegionId, ["SmartAGId"] = sag, ["SessionId"] = "not-a-session" }),
        };
        Assert.Equal(table.All.Select(a => a.Name), calls.Select(c => c.Action).Order(StringComparer.Ordinal));
        var faults = new List<string>();

        foreach (var format in new[] { "JSON", "XML" })
        {
            foreach (var (action, parameters) in calls)
            {
                var query = rpc.SignedQuery(action, new Dictionary<string, string>(parameters) { ["Format"] = format }, SignedRpcClient.OpenSagVersion);
                using var response = await http.GetAsync(new Uri(scenario.Server.Endpoint, SignedRpcClient.OpenSagPath + "?" + query));
                var text = await response.Content.ReadAsStringAsync();
                Assert.True(response.IsSuccessStatusCode, $"{action} ({format}) answered {(int)response.StatusCode}: {text}");
                var shape = table.Find(action)!.Response;
                IReadOnlyList<string> found;
                if (format == "JSON")
                {
                    using var json = JsonDocument.Parse(text);
                    found = ResponseConformance.Faults(shape, json.RootElement);
                }
                else
                {
                    var root = XDocument.Parse(text).Root!;
                    Assert.Equal(action, root.Name.LocalName);
                    found = ResponseConformance.Faults(shape, root);
                }

                if (found.Count > 0)
                {
                    faults.Add($"{action} ({format}):\n  {string.Join("\n  ", found)}\n  answer: {text}");
                }
            }
        }

        Assert.True(faults.Count == 0, string.Join("\n", faults));
        Assert.False(online.HasExited);
    }
}
