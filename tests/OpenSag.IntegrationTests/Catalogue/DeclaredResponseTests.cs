using System.Text.Json;
using System.Xml.Linq;
using OpenSag.Api.Actions;
using OpenSag.Api.Responses;
using OpenSag.IntegrationTests.Gateway;
using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.Catalogue;

/// <summary>
/// Every action of the catalogue, called over HTTP on a real server with a real store and an online
/// <c>opensag connect</c> client (so lists have items), answers in JSON and in XML exactly what its declaration says
/// (<see cref="ResponseConformance"/>): no undeclared field, no declared field missing, every value of its declared
/// type. The declaration is what <c>--usage</c> and docs/api-coverage.md show, so they cannot drift from the wire.
/// </summary>
public sealed class DeclaredResponseTests
{
    /// <summary>A second instance, for RoamClientUser to move a user to.</summary>
    private const string OtherCidr = "10.21.0.0/24";

    /// <summary>
    /// One successful call per action, in an order that leaves each call something to act on. <c>{f}</c> in a value
    /// becomes the format (json, xml), so the second run does not collide with what the first created. A new action
    /// needs a line here: <see cref="SampleCalls_CoverEveryAction"/> fails until it has one.
    /// </summary>
    private static IReadOnlyList<(string Action, Dictionary<string, string> Parameters)> Calls(string sag, string other, string online) =>
    [
        ("CreateSmartAccessGatewaySoftware", new() { ["ChargeType"] = "PREPAY", ["Period"] = "1", ["UserCount"] = "20", ["DataPlan"] = "5", ["AutoPay"] = "true" }),
        ("ModifySmartAccessGateway", new() { ["SmartAGId"] = sag, ["Name"] = "gw-{f}", ["Description"] = "Declared answers", ["SecurityLockThreshold"] = "600" }),
        ("DescribeSmartAccessGateways", new() { ["SmartAGIds.1"] = sag, ["SmartAGIds.2"] = other }),
        ("DescribeSmartAccessGatewayAttribute", new() { ["SmartAGId"] = sag }),
        ("CreateSmartAccessGatewayClientUser", new() { ["SmartAGId"] = sag, ["UserName"] = "mover-{f}", ["Password"] = GatewayScenario.Password, ["UserMail"] = "mover@example.com", ["ClientIp"] = "10.20.0.{n}" }),
        ("DescribeSmartAccessGatewayClientUsers", new() { ["SmartAGId"] = sag }),
        ("ModifySmartAccessGatewayClientUser", new() { ["SmartAGId"] = sag, ["UserName"] = "mover-{f}", ["Bandwidth"] = "300", ["Email"] = "moved@example.com" }),
        ("ResetSmartAccessGatewayClientUserPassword", new() { ["SmartAGId"] = sag, ["UserName"] = "mover-{f}", ["Password"] = "Another_pass1" }),
        ("DisableSmartAccessGatewayUser", new() { ["SmartAGId"] = sag, ["UserName"] = "mover-{f}" }),
        ("EnableSmartAccessGatewayUser", new() { ["SmartAGId"] = sag, ["UserName"] = "mover-{f}" }),
        ("RoamClientUser", new() { ["OriginRegionId"] = "{region}", ["OriginSmartAGId"] = sag, ["TargetSmartAGId"] = other, ["UserName"] = "mover-{f}" }),
        ("DeleteSmartAccessGatewayClientUser", new() { ["SmartAGId"] = other, ["UserName"] = "mover-{f}" }),
        ("ModifyClientUserDNS", new() { ["SmartAGId"] = sag, ["AppDNS.1"] = "10.20.0.53", ["RecoveredDNS.1"] = "192.168.1.1", ["RecoveredDNS.2"] = "192.168.1.2" }),
        ("DescribeClientUserDNS", new() { ["SmartAGId"] = sag }),
        ("DescribeUserOnlineClients", new() { ["SmartAGId"] = sag, ["UserName"] = online }),
        ("DescribeUserOnlineClientStatistics", new() { ["SmartAGId"] = sag, ["UserNames.1"] = online, ["UserNames.2"] = "nobody-online" }),
        ("DescribeSagOnlineClientStatistics", new() { ["SmartAGIds.1"] = sag, ["SmartAGIds.2"] = other }),
        ("DescribeUserFlowStatistics", new() { ["SmartAGId"] = sag, ["UserNames.1"] = online }),
        ("KickOutClients", new() { ["SmartAGId"] = sag, ["Username"] = "nobody-online" }),
        ("UpgradeSmartAccessGatewaySoftware", new() { ["SmartAGId"] = sag, ["UserCount"] = "1000", ["DataPlan"] = "5", ["AutoPay"] = "true" }),
        ("DowngradeSmartAccessGatewaySoftware", new() { ["SmartAGId"] = sag, ["UserCount"] = "995", ["DataPlan"] = "5", ["AutoPay"] = "false" }),
        ("UpdateSmartAGUserAccelerateConfig", new() { ["SmartAGId"] = sag, ["UserName"] = online, ["Bandwidth"] = "300", ["ClientToken"] = "declared-{f}" }),
        ("CreateEnterpriseCode", new() { ["EnterpriseCode"] = "ec{n}1", ["ClientToken"] = "declared-{f}" }),
        ("UpdateEnterpriseCode", new() { ["EnterpriseCode"] = "ec{n}1", ["IsDefault"] = "false" }),
        ("UpdateSmartAGEnterpriseCode", new() { ["SmartAGId"] = sag, ["EnterpriseCode"] = BoundCode }),
        ("ListEnterpriseCode", new() { ["MaxResults"] = "1" }),
        ("DeleteEnterpriseCode", new() { ["EnterpriseCode"] = "ec{n}1" }),
        ("DescribeRegions", new() { ["AcceptLanguage"] = "en-US" }),
        ("CreateACL", new() { ["Name"] = "acl-{f}", ["AclType"] = "acl-software", ["ResourceGroupId"] = "rg-{f}" }),
        ("ModifyACL", new() { ["AclId"] = "{AclId}", ["Name"] = "renamed-{f}" }),
        ("DescribeACLs", new() { ["AclIds"] = "{AclId}" }),
        ("AddACLRule", new()
        {
            ["AclId"] = "{AclId}", ["Direction"] = "out", ["Policy"] = "drop", ["IpProtocol"] = "TCP", ["SourceCidr"] = "10.20.0.0/24", ["SourcePortRange"] = "-1/-1",
            ["DestCidr"] = "10.0.5.0/24", ["DestPortRange"] = "80/80", ["Name"] = "web", ["Description"] = "Declared answers", ["DpiGroupIds.1"] = "20", ["DpiSignatureIds.1"] = "1",
        }),
        ("ModifyACLRule", new() { ["AclId"] = "{AclId}", ["AcrId"] = "{AcrId}", ["Priority"] = "2" }),
        ("DescribeACLAttribute", new() { ["AclId"] = "{AclId}" }),
        ("AssociateACL", new() { ["AclId"] = "{AclId}", ["SmartAGId"] = sag }),
        ("DisassociateACL", new() { ["AclId"] = "{AclId}", ["SmartAGId"] = sag }),
        ("DeleteACLRule", new() { ["AclId"] = "{AclId}", ["AcrId"] = "{AcrId}" }),
        ("DeleteACL", new() { ["AclId"] = "{AclId}" }),
    ];

    /// <summary>The enterprise code made before the calls, for UpdateSmartAGEnterpriseCode to bind (so the call's own code can be deleted).</summary>
    private const string BoundCode = "bd001";

    /// <summary>Ids an answer creates that later calls name: <c>{AclId}</c> in a value becomes the last answer's AclId.</summary>
    private static readonly string[] CapturedIds = ["AclId", "AcrId"];

    [Fact]
    public void SampleCalls_CoverEveryAction()
    {
        var called = Calls("sag", "other", "user").Select(c => c.Action).Order(StringComparer.Ordinal);
        var declared = SmartagActions.CreateTable().All.Select(a => a.Name);

        Assert.Equal(declared, called);
    }

    [Fact]
    public async Task EveryAction_JsonAndXml_AnswersExactlyItsDeclaredFields()
    {
        await using var scenario = await GatewayScenario.StartAsync();
        var sag = await scenario.CreateInstanceAsync("10.20.0.0/24");
        var other = await scenario.CreateInstanceAsync(OtherCidr);
        await scenario.CreateUserAsync(sag, "online-user");
        await scenario.ConnectOnlineAsync(sag, "online-user");
        var table = SmartagActions.CreateTable();
        using var rpc = new SignedRpcClient(scenario.Server);
        var (codeStatus, codeBody) = await rpc.CallAsync("CreateEnterpriseCode", new Dictionary<string, string> { ["RegionId"] = scenario.RegionId, ["EnterpriseCode"] = BoundCode })
            .WaitAsync(GatewayScenario.RequestTimeout);
        Assert.True(codeStatus == 200, $"CreateEnterpriseCode answered {codeStatus}: {codeBody}");
        using var http = new HttpClient { Timeout = GatewayScenario.RequestTimeout };
        var faults = new List<string>();

        foreach (var (format, n) in new[] { ("json", "11"), ("xml", "12") })
        {
            var captured = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (action, template) in Calls(sag, other, "online-user"))
            {
                var parameters = template.ToDictionary(
                    p => p.Key,
                    p => captured.Aggregate(
                        p.Value.Replace("{f}", format, StringComparison.Ordinal).Replace("{n}", n, StringComparison.Ordinal).Replace("{region}", scenario.RegionId, StringComparison.Ordinal),
                        (value, id) => value.Replace("{" + id.Key + "}", id.Value, StringComparison.Ordinal)));
                parameters["RegionId"] = scenario.RegionId;
                parameters["Format"] = format.ToUpperInvariant();
                using var response = await http.GetAsync(new Uri(scenario.Server.Endpoint, "/?" + rpc.SignedQuery(action, parameters)));
                var text = await response.Content.ReadAsStringAsync();
                Assert.True(response.IsSuccessStatusCode, $"{action} ({format}) answered {(int)response.StatusCode}: {text}");

                var shape = table.Find(action)!.Response;
                IReadOnlyList<string> found;
                if (format == "json")
                {
                    using var json = JsonDocument.Parse(text);
                    found = ResponseConformance.Faults(shape, json.RootElement);
                    foreach (var id in CapturedIds.Where(id => json.RootElement.TryGetProperty(id, out _)))
                    {
                        captured[id] = json.RootElement.GetProperty(id).GetString()!;
                    }
                }
                else
                {
                    var root = XDocument.Parse(text).Root!;
                    Assert.Equal(action, root.Name.LocalName);
                    found = ResponseConformance.Faults(shape, root);
                    foreach (var id in CapturedIds.Where(id => root.Element(id) is not null))
                    {
                        captured[id] = root.Element(id)!.Value;
                    }
                }

                if (found.Count > 0)
                {
                    faults.Add($"{action} ({format}):\n  {string.Join("\n  ", found)}\n  answer: {text}");
                }
            }
        }

        Assert.True(faults.Count == 0, string.Join("\n", faults));
    }
}
