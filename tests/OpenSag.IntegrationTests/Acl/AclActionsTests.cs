using System.Text.Json;
using System.Xml.Linq;
using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.Acl;

/// <summary>
/// The ten ACL actions and the ACL fields of the instance queries on the real server over HTTP, signed as the SDKs
/// sign (spec/smartag-acl-and-more.md §1): answers field by field with the SDK types, values echoed exactly as sent,
/// every error the server can answer with its status, the limits at their boundaries, and Terraform's flows (§1.15).
/// </summary>
/// <remarks>
/// The ACL limit counts every ACL of the store (§1.1), so each test deletes the ACLs it made, and the limit itself is
/// tested on a server of its own.
/// </remarks>
public sealed class AclActionsTests(ConformanceServerFixture fixture) : IClassFixture<ConformanceServerFixture>, IAsyncLifetime, IDisposable
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(15);

    private readonly SignedRpcClient _client = new(fixture.Server);
    private readonly string _region = "cn-acl-" + Guid.NewGuid().ToString("N")[..8];
    private readonly List<string> _acls = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var aclId in _acls)
        {
            await CallAsync("DeleteACL", ("RegionId", _region), ("AclId", aclId));
        }
    }

    public void Dispose() => _client.Dispose();

    [Fact]
    public async Task CreateAcl_NameOnly_HardwareTypeAndListedWithSagCountAsString()
    {
        var (status, created) = await CallAsync("CreateACL", ("RegionId", _region), ("Name", "web-servers"));
        Assert.True(status == 200, $"answered {status}: {created}");
        var aclId = Track(created.GetProperty("AclId").GetString()!);

        Assert.Matches("^acl-[a-z0-9]{18}$", aclId);
        Assert.Equal("acl-hardware", created.GetProperty("AclType").GetString());
        Assert.Equal("", created.GetProperty("ResourceGroupId").GetString());
        var (_, list) = await CallAsync("DescribeACLs", ("RegionId", _region));
        Assert.Equal(1, list.GetProperty("TotalCount").GetInt32());
        Assert.Equal(1, list.GetProperty("PageNumber").GetInt32());
        Assert.Equal(10, list.GetProperty("PageSize").GetInt32());
        var acl = Assert.Single(list.GetProperty("Acls").GetProperty("Acl").EnumerateArray());
        Assert.Equal(aclId, acl.GetProperty("AclId").GetString());
        Assert.Equal("web-servers", acl.GetProperty("Name").GetString());
        Assert.Equal("acl-hardware", acl.GetProperty("AclType").GetString());
        Assert.Equal(JsonValueKind.String, acl.GetProperty("SagCount").ValueKind);
        Assert.Equal("0", acl.GetProperty("SagCount").GetString());
    }

    [Fact]
    public async Task DescribeAcls_AclIdsOfADeletedAcl_200WithAnEmptyList()
    {
        var aclId = await CreateAclAsync("gone-soon");
        Assert.Equal(200, (await CallAsync("DeleteACL", ("RegionId", _region), ("AclId", aclId))).Status);

        var (status, list) = await CallAsync("DescribeACLs", ("RegionId", _region), ("AclIds", aclId));

        Assert.True(status == 200, $"answered {status}: {list}");
        Assert.Equal(0, list.GetProperty("TotalCount").GetInt32());
        Assert.Empty(list.GetProperty("Acls").GetProperty("Acl").EnumerateArray());
    }

    [Fact]
    public async Task DescribeAcls_Filters_CommaIdsExactNameTypeAndResourceGroup()
    {
        var first = await CreateAclAsync("alpha", ("AclType", "acl-software"), ("ResourceGroupId", "rg-acfm2iu4fnc"));
        var second = await CreateAclAsync("alphabet");
        var third = await CreateAclAsync("gamma");

        Assert.Equal(Sorted(first, second), Sorted([.. await ListedIdsAsync(("AclIds", $"{first},{second}"))]));
        Assert.Equal([first], await ListedIdsAsync(("Name", "alpha")));
        Assert.Equal([first], await ListedIdsAsync(("AclType", "acl-software")));
        Assert.Equal([first], await ListedIdsAsync(("ResourceGroupId", "rg-acfm2iu4fnc")));
        var all = await ListedIdsAsync();
        Assert.Equal(Sorted(first, second, third), Sorted([.. all]));
        Assert.Equal([all[1]], await ListedIdsAsync(("PageSize", "1"), ("PageNumber", "2")));
        var (_, filtered) = await CallAsync("DescribeACLs", ("RegionId", _region), ("AclIds", first));
        Assert.Equal("rg-acfm2iu4fnc", filtered.GetProperty("Acls").GetProperty("Acl")[0].GetProperty("ResourceGroupId").GetString());
    }

    [Theory]
    [InlineData("PageSize", "51")]
    [InlineData("PageSize", "0")]
    [InlineData("PageNumber", "0")]
    [InlineData("AclType", "acl-virtual")]
    public async Task DescribeAcls_ValueOutOfRange_403InvalidParameter(string name, string value)
    {
        var (status, body) = await CallAsync("DescribeACLs", ("RegionId", _region), (name, value));

        AssertError(status, body, 403, "InvalidParameter", "The specified parameter is invalid.");
    }

    [Theory]
    [InlineData("1web")]
    [InlineData("a")]
    [InlineData("web servers")]
    [InlineData("http://x")]
    public async Task CreateAcl_NameBreakingTheRule_403InvalidName(string name)
    {
        var (status, body) = await CallAsync("CreateACL", ("RegionId", _region), ("Name", name));

        AssertError(status, body, 403, "InvalidName", "Name not valid.");
    }

    [Fact]
    public async Task CreateAcl_WithoutName_403MissingParameter()
    {
        var (status, body) = await CallAsync("CreateACL", ("RegionId", _region));

        AssertError(status, body, 403, "MissingParameter", "The input parameter is missing, please check your input.");
    }

    [Fact]
    public async Task ModifyAcl_NewName_ListedUnderItAndBadNameOrIdRefused()
    {
        var aclId = await CreateAclAsync("before");

        Assert.Equal(200, (await CallAsync("ModifyACL", ("RegionId", _region), ("AclId", aclId), ("Name", "after.2"))).Status);

        Assert.Equal([aclId], await ListedIdsAsync(("Name", "after.2")));
        var (badName, badNameBody) = await CallAsync("ModifyACL", ("RegionId", _region), ("AclId", aclId), ("Name", "-after"));
        AssertError(badName, badNameBody, 403, "InvalidName", "Name not valid.");
        var (unknown, unknownBody) = await CallAsync("ModifyACL", ("RegionId", _region), ("AclId", "acl-000000000000000000"), ("Name", "after"));
        AssertError(unknown, unknownBody, 403, "InvalidId.ACL", "The specified ACL ID is invalid.");
        var (otherRegion, otherRegionBody) = await CallAsync("ModifyACL", ("RegionId", _region + "x"), ("AclId", aclId), ("Name", "after"));
        AssertError(otherRegion, otherRegionBody, 403, "InvalidId.ACL", "The specified ACL ID is invalid.");
    }

    [Fact]
    public async Task AddAclRule_TerraformsParameters_AnswerEchoesEveryValueAsSentWithSdkTypes()
    {
        var aclId = await CreateAclAsync("rules");

        var (status, rule) = await CallAsync("AddACLRule", ("RegionId", _region), ("AclId", aclId), ("Policy", "Drop"), ("IpProtocol", "tcp"),
            ("Direction", "Out"), ("SourceCidr", "192.168.20.7/24"), ("SourcePortRange", "-1/-1"), ("DestCidr", "10.0.5.0/24"),
            ("DestPortRange", "80/443"), ("Description", "访问规则 one"), ("Priority", "7"));

        Assert.True(status == 200, $"answered {status}: {rule}");
        Assert.Equal(aclId, rule.GetProperty("AclId").GetString());
        Assert.Matches("^acr-[a-z0-9]{18}$", rule.GetProperty("AcrId").GetString());
        Assert.Equal("Drop", rule.GetProperty("Policy").GetString());
        Assert.Equal("tcp", rule.GetProperty("IpProtocol").GetString());
        Assert.Equal("Out", rule.GetProperty("Direction").GetString());
        Assert.Equal("192.168.20.7/24", rule.GetProperty("SourceCidr").GetString());
        Assert.Equal("-1/-1", rule.GetProperty("SourcePortRange").GetString());
        Assert.Equal("10.0.5.0/24", rule.GetProperty("DestCidr").GetString());
        Assert.Equal("80/443", rule.GetProperty("DestPortRange").GetString());
        Assert.Equal("访问规则 one", rule.GetProperty("Description").GetString());
        Assert.Equal(JsonValueKind.Number, rule.GetProperty("Priority").ValueKind);
        Assert.Equal(7, rule.GetProperty("Priority").GetInt32());
        Assert.Equal("LAN", rule.GetProperty("Type").GetString());
        Assert.Equal(JsonValueKind.Number, rule.GetProperty("GmtCreate").ValueKind);
        Assert.InRange(rule.GetProperty("GmtCreate").GetInt64(), DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeMilliseconds(), DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeMilliseconds());
        Assert.False(rule.TryGetProperty("DpiGroupIds", out _), "empty Dpi lists are omitted");
        Assert.False(rule.TryGetProperty("DpiSignatureIds", out _), "empty Dpi lists are omitted");

        var (_, read) = await CallAsync("DescribeACLAttribute", ("RegionId", _region), ("AclId", aclId));
        var acr = Assert.Single(read.GetProperty("Acrs").GetProperty("Acr").EnumerateArray());
        foreach (var field in new[] { "AclId", "AcrId", "Policy", "IpProtocol", "Direction", "SourceCidr", "SourcePortRange", "DestCidr", "DestPortRange", "Description", "Type" })
        {
            Assert.Equal(rule.GetProperty(field).GetString(), acr.GetProperty(field).GetString());
        }

        Assert.Equal(7, acr.GetProperty("Priority").GetInt32());
        Assert.Equal(rule.GetProperty("GmtCreate").GetInt64(), acr.GetProperty("GmtCreate").GetInt64());
        Assert.Equal("acl-hardware", acr.GetProperty("AclType").GetString());
    }

    [Fact]
    public async Task AddAclRule_DpiListsNameAndType_EchoedInWrappersAndKeptByAModifyThatOmitsThem()
    {
        var aclId = await CreateAclAsync("dpi");

        var (status, rule) = await AddRuleAsync(aclId, ("Name", "web.rule_1"), ("Type", "wan"),
            ("DpiGroupIds.1", "20"), ("DpiGroupIds.2", "21"), ("DpiSignatureIds.1", "1"));

        Assert.True(status == 200, $"answered {status}: {rule}");
        Assert.Equal("web.rule_1", rule.GetProperty("Name").GetString());
        Assert.Equal("wan", rule.GetProperty("Type").GetString());
        Assert.Equal(["20", "21"], rule.GetProperty("DpiGroupIds").GetProperty("DpiGroupId").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["1"], rule.GetProperty("DpiSignatureIds").GetProperty("DpiSignatureId").EnumerateArray().Select(e => e.GetString()));
        var acrId = rule.GetProperty("AcrId").GetString()!;
        var (modified, changed) = await CallAsync("ModifyACLRule", ("RegionId", _region), ("AclId", aclId), ("AcrId", acrId), ("Priority", "9"));
        Assert.True(modified == 200, $"answered {modified}: {changed}");
        Assert.Equal(["20", "21"], changed.GetProperty("DpiGroupIds").GetProperty("DpiGroupId").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["1"], changed.GetProperty("DpiSignatureIds").GetProperty("DpiSignatureId").EnumerateArray().Select(e => e.GetString()));
    }

    [Theory]
    [InlineData("Direction", "inbound", 403, "InvalidParameter", "The specified parameter is invalid.")]
    [InlineData("Policy", "deny", 403, "InvalidParameter", "The specified parameter is invalid.")]
    [InlineData("IpProtocol", "GRE", 403, "NotSupportedProtocol", "The specified protocol of the ACL rule is not supported.")]
    [InlineData("SourcePortRange", "0/80", 403, "InvalidPortRange", "The specified port range is invalid.")]
    [InlineData("DestPortRange", "443/80", 403, "InvalidPortRange", "The specified port range is invalid.")]
    [InlineData("DestPortRange", "1/65536", 403, "InvalidPortRange", "The specified port range is invalid.")]
    [InlineData("SourceCidr", "10.0.0.0/33", 403, "InvalidParameter", "The specified parameter is invalid.")]
    [InlineData("DestCidr", "010.0.0.0/8", 403, "InvalidParameter", "The specified parameter is invalid.")]
    [InlineData("Priority", "0", 403, "InvalidParameter", "The specified parameter is invalid.")]
    [InlineData("Priority", "101", 403, "InvalidParameter", "The specified parameter is invalid.")]
    [InlineData("Name", "1rule", 403, "InvalidParameter", "The specified parameter is invalid.")]
    [InlineData("Type", "VPC", 400, "ACL.InvalidType", "The specified ACL type is invalid.")]
    public async Task AddAclRule_ValueBreakingItsRule_DocumentedError(string name, string value, int httpStatus, string code, string message)
    {
        var aclId = await CreateAclAsync("bad-values");

        var (status, body) = await AddRuleAsync(aclId, (name, value));

        AssertError(status, body, httpStatus, code, message);
        Assert.Empty(await RulesAsync(aclId));
    }

    [Fact]
    public async Task AddAclRule_DescriptionOf513Characters_403InvalidDescriptionAnd512Accepted()
    {
        var aclId = await CreateAclAsync("descriptions");

        var (tooLong, body) = await AddRuleAsync(aclId, ("Description", new string('d', 513)));
        var (longest, _) = await AddRuleAsync(aclId, ("Description", new string('d', 512)));

        AssertError(tooLong, body, 403, "InvalidDescription", "Description not valid.");
        Assert.Equal(200, longest);
    }

    [Theory]
    [InlineData("ALL", "-1/-1", "80/80")]
    [InlineData("icmp", "1/100", "-1/-1")]
    public async Task AddAclRule_PortsNarrowedForAProtocolWithoutPorts_403InvalidPortRange(string protocol, string source, string dest)
    {
        var aclId = await CreateAclAsync("no-ports");

        var (status, body) = await AddRuleAsync(aclId, ("IpProtocol", protocol), ("SourcePortRange", source), ("DestPortRange", dest));

        AssertError(status, body, 403, "InvalidPortRange", "The specified port range is invalid.");
    }

    [Theory]
    [InlineData("Direction")]
    [InlineData("Policy")]
    [InlineData("IpProtocol")]
    [InlineData("SourceCidr")]
    [InlineData("SourcePortRange")]
    [InlineData("DestCidr")]
    [InlineData("DestPortRange")]
    public async Task AddAclRule_RequiredParameterMissing_403MissingParameter(string missing)
    {
        var aclId = await CreateAclAsync("missing");
        var parameters = RuleParameters(aclId).Where(p => p.Name != missing).ToArray();

        var (status, body) = await CallAsync("AddACLRule", parameters);

        AssertError(status, body, 403, "MissingParameter", "The input parameter is missing, please check your input.");
    }

    [Fact]
    public async Task AddAclRule_UnknownAcl_403InvalidIdAcl()
    {
        var (status, body) = await AddRuleAsync("acl-000000000000000000");

        AssertError(status, body, 403, "InvalidId.ACL", "The specified ACL ID is invalid.");
    }

    [Fact]
    public async Task AddAclRule_PriorityAtTheBounds_Accepted()
    {
        var aclId = await CreateAclAsync("bounds");

        var (lowest, low) = await AddRuleAsync(aclId, ("Priority", "1"));
        var (highest, high) = await AddRuleAsync(aclId, ("Priority", "100"));

        Assert.Equal(200, lowest);
        Assert.Equal(200, highest);
        Assert.Equal(1, low.GetProperty("Priority").GetInt32());
        Assert.Equal(100, high.GetProperty("Priority").GetInt32());
    }

    [Fact]
    public async Task AddAclRule_51stRuleOfAnAcl_403AcrPerAclAmountLimit()
    {
        var aclId = await CreateAclAsync("full");
        for (var i = 0; i < 50; i++)
        {
            var (status, body) = await AddRuleAsync(aclId, ("DestPortRange", $"{i + 1}/{i + 1}"));
            Assert.True(status == 200, $"rule {i + 1} answered {status}: {body}");
        }

        var (over, overBody) = await AddRuleAsync(aclId);

        AssertError(over, overBody, 403, "AcrPerAclAmountLimit", "The maximum number of rules in an ACL is exceeded. You can open a ticket to increase the quota.");
        Assert.Equal(50, (await CallAsync("DescribeACLAttribute", ("RegionId", _region), ("AclId", aclId))).Body.GetProperty("TotalCount").GetInt32());
    }

    [Fact]
    public async Task ModifyAclRule_OnlyPriority_KeepsTheRestAndAnswersWithoutType()
    {
        var aclId = await CreateAclAsync("modify");
        var (_, added) = await AddRuleAsync(aclId, ("Description", "keep me"));
        var acrId = added.GetProperty("AcrId").GetString()!;

        var (status, changed) = await CallAsync("ModifyACLRule", ("RegionId", _region), ("AclId", aclId), ("AcrId", acrId), ("Priority", "42"));

        Assert.True(status == 200, $"answered {status}: {changed}");
        Assert.False(changed.TryGetProperty("Type", out _), "ModifyACLRule's answer has no Type (spec §1.8)");
        Assert.Equal(42, changed.GetProperty("Priority").GetInt32());
        Assert.Equal(added.GetProperty("GmtCreate").GetInt64(), changed.GetProperty("GmtCreate").GetInt64());
        foreach (var field in new[] { "AclId", "AcrId", "Policy", "IpProtocol", "Direction", "SourceCidr", "SourcePortRange", "DestCidr", "DestPortRange", "Description" })
        {
            Assert.Equal(added.GetProperty(field).GetString(), changed.GetProperty(field).GetString());
        }
    }

    [Fact]
    public async Task ModifyAclRule_ProtocolToIcmpWhileAPortRangeIsNarrow_403InvalidPortRangeAndRuleUnchanged()
    {
        var aclId = await CreateAclAsync("icmp-later");
        var (_, added) = await AddRuleAsync(aclId);
        var acrId = added.GetProperty("AcrId").GetString()!;

        var (status, body) = await CallAsync("ModifyACLRule", ("RegionId", _region), ("AclId", aclId), ("AcrId", acrId), ("IpProtocol", "ICMP"));
        var (allPorts, _) = await CallAsync("ModifyACLRule", ("RegionId", _region), ("AclId", aclId), ("AcrId", acrId),
            ("IpProtocol", "ICMP"), ("DestPortRange", "1/65535"));

        AssertError(status, body, 403, "InvalidPortRange", "The specified port range is invalid.");
        Assert.Equal(200, allPorts);
        Assert.Equal("ICMP", Assert.Single(await RulesAsync(aclId)).GetProperty("IpProtocol").GetString());
    }

    [Fact]
    public async Task ModifyAclRule_UnknownIds_403InvalidIdAclOrAcr()
    {
        var aclId = await CreateAclAsync("unknown-rule");

        var (rule, ruleBody) = await CallAsync("ModifyACLRule", ("RegionId", _region), ("AclId", aclId), ("AcrId", "acr-000000000000000000"), ("Priority", "2"));
        var (acl, aclBody) = await CallAsync("ModifyACLRule", ("RegionId", _region), ("AclId", "acl-000000000000000000"), ("AcrId", "acr-000000000000000000"));
        var (missing, missingBody) = await CallAsync("ModifyACLRule", ("RegionId", _region), ("AclId", aclId));

        AssertError(rule, ruleBody, 403, "InvalidId.ACR", "The specified ACL rule ID is invalid.");
        AssertError(acl, aclBody, 403, "InvalidId.ACL", "The specified ACL ID is invalid.");
        AssertError(missing, missingBody, 403, "MissingParameter", "The input parameter is missing, please check your input.");
    }

    [Fact]
    public async Task DeleteAclRule_RuleGoneThenSecondDelete403InvalidIdAcr()
    {
        var aclId = await CreateAclAsync("delete-rule");
        var (_, added) = await AddRuleAsync(aclId);
        var acrId = added.GetProperty("AcrId").GetString()!;

        var (status, _) = await CallAsync("DeleteACLRule", ("RegionId", _region), ("AclId", aclId), ("AcrId", acrId));
        var (again, againBody) = await CallAsync("DeleteACLRule", ("RegionId", _region), ("AclId", aclId), ("AcrId", acrId));
        var (acl, aclBody) = await CallAsync("DeleteACLRule", ("RegionId", _region), ("AclId", "acl-000000000000000000"), ("AcrId", acrId));

        Assert.Equal(200, status);
        Assert.Empty(await RulesAsync(aclId));
        AssertError(again, againBody, 403, "InvalidId.ACR", "The specified ACL rule ID is invalid.");
        AssertError(acl, aclBody, 403, "InvalidId.ACL", "The specified ACL ID is invalid.");
    }

    [Fact]
    public async Task DescribeAclAttribute_RulesByPriorityThenCreation_PagedAndFiltered()
    {
        var aclId = await CreateAclAsync("ordered");
        var late = await AddRuleIdAsync(aclId, ("Priority", "50"), ("Name", "web-late"));
        var early = await AddRuleIdAsync(aclId, ("Priority", "49"), ("Direction", "in"), ("Name", "db"));
        var last = await AddRuleIdAsync(aclId, ("Priority", "70"), ("Direction", "IN"), ("Name", "web-last"), ("Description", "d"));

        var (_, all) = await CallAsync("DescribeACLAttribute", ("RegionId", _region), ("AclId", aclId), ("Order", "1255444444"));
        var (_, page2) = await CallAsync("DescribeACLAttribute", ("RegionId", _region), ("AclId", aclId), ("PageSize", "2"), ("PageNumber", "2"));

        Assert.Equal([early, late, last], all.GetProperty("Acrs").GetProperty("Acr").EnumerateArray().Select(r => r.GetProperty("AcrId").GetString()));
        Assert.Equal(3, all.GetProperty("TotalCount").GetInt32());
        var rules = all.GetProperty("Acrs").GetProperty("Acr");
        Assert.False(rules[0].TryGetProperty("Description", out _), "a rule without description answers without the field (spec §1.10)");
        Assert.Equal("d", rules[2].GetProperty("Description").GetString());
        Assert.Equal([last], page2.GetProperty("Acrs").GetProperty("Acr").EnumerateArray().Select(r => r.GetProperty("AcrId").GetString()));
        Assert.Equal(2, page2.GetProperty("PageNumber").GetInt32());
        Assert.Equal(2, page2.GetProperty("PageSize").GetInt32());
        Assert.Equal(3, page2.GetProperty("TotalCount").GetInt32());
        Assert.Equal([early, last], await RuleIdsAsync(aclId, ("Direction", "in")));
        Assert.Equal([late, last], await RuleIdsAsync(aclId, ("Name", "web")));
    }

    [Theory]
    [InlineData("PageSize", "51")]
    [InlineData("Direction", "both")]
    public async Task DescribeAclAttribute_ValueOutOfRange_403InvalidParameter(string name, string value)
    {
        var aclId = await CreateAclAsync("attribute-errors");

        var (status, body) = await CallAsync("DescribeACLAttribute", ("RegionId", _region), ("AclId", aclId), (name, value));

        AssertError(status, body, 403, "InvalidParameter", "The specified parameter is invalid.");
    }

    [Fact]
    public async Task DescribeAclAttribute_UnknownAcl_403InvalidIdAcl()
    {
        var (status, body) = await CallAsync("DescribeACLAttribute", ("RegionId", _region), ("AclId", "acl-000000000000000000"));

        AssertError(status, body, 403, "InvalidId.ACL", "The specified ACL ID is invalid.");
    }

    [Fact]
    public async Task AssociateAcl_SoftwareAcl_ShownOnTheInstanceAndCountedUntilDisassociated()
    {
        var aclId = await CreateAclAsync("app-acl", ("AclType", "acl-software"));
        var sag = await CreateInstanceAsync();
        var other = await CreateInstanceAsync();

        var (status, body) = await CallAsync("AssociateACL", ("RegionId", _region), ("AclId", aclId), ("SmartAGId", sag));

        Assert.True(status == 200, $"answered {status}: {body}");
        Assert.Equal("1", (await AclAsync(aclId)).GetProperty("SagCount").GetString());
        Assert.Equal(aclId, (await InstanceListItemAsync(sag)).GetProperty("AclIds").GetString());
        Assert.Equal("", (await InstanceListItemAsync(other)).GetProperty("AclIds").GetString());
        var (_, attribute) = await CallAsync("DescribeSmartAccessGatewayAttribute", ("RegionId", _region), ("SmartAGId", sag));
        Assert.Equal([aclId], attribute.GetProperty("AclIds").GetProperty("AclId").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal([sag], await InstanceIdsAsync(("AclIds", aclId)));
        Assert.Equal([other], await InstanceIdsAsync(("UnboundAclIds", aclId)));

        Assert.Equal(200, (await CallAsync("DisassociateACL", ("RegionId", _region), ("AclId", aclId), ("SmartAGId", sag))).Status);

        Assert.Equal("0", (await AclAsync(aclId)).GetProperty("SagCount").GetString());
        Assert.Equal("", (await InstanceListItemAsync(sag)).GetProperty("AclIds").GetString());
        var (_, detached) = await CallAsync("DescribeSmartAccessGatewayAttribute", ("RegionId", _region), ("SmartAGId", sag));
        Assert.Empty(detached.GetProperty("AclIds").GetProperty("AclId").EnumerateArray());
    }

    [Fact]
    public async Task DescribeSmartAccessGateways_AclIdsNamingTwoAcls_InstancesOfEither()
    {
        var first = await CreateAclAsync("first", ("AclType", "acl-software"));
        var second = await CreateAclAsync("second", ("AclType", "acl-software"));
        var a = await CreateInstanceAsync();
        var b = await CreateInstanceAsync();
        var none = await CreateInstanceAsync();
        Assert.Equal(200, (await CallAsync("AssociateACL", ("RegionId", _region), ("AclId", first), ("SmartAGId", a))).Status);
        Assert.Equal(200, (await CallAsync("AssociateACL", ("RegionId", _region), ("AclId", second), ("SmartAGId", b))).Status);

        Assert.Equal(Sorted(a, b), Sorted([.. await InstanceIdsAsync(("AclIds", $"{first}, {second}"))]));
        Assert.Equal([none], await InstanceIdsAsync(("UnboundAclIds", $"{first},{second}")));
    }

    [Fact]
    public async Task AssociateAcl_EveryRefusal_DocumentedCodeAndStatus()
    {
        var software = await CreateAclAsync("app-acl", ("AclType", "acl-software"));
        var another = await CreateAclAsync("app-acl-2", ("AclType", "acl-software"));
        var hardware = await CreateAclAsync("cpe-acl");
        var sag = await CreateInstanceAsync();
        Assert.Equal(200, (await CallAsync("AssociateACL", ("RegionId", _region), ("AclId", software), ("SmartAGId", sag))).Status);

        var (twice, twiceBody) = await CallAsync("AssociateACL", ("RegionId", _region), ("AclId", software), ("SmartAGId", sag));
        var (second, secondBody) = await CallAsync("AssociateACL", ("RegionId", _region), ("AclId", another), ("SmartAGId", sag));
        var (cpe, cpeBody) = await CallAsync("AssociateACL", ("RegionId", _region), ("AclId", hardware), ("SmartAGId", sag));
        var (noSag, noSagBody) = await CallAsync("AssociateACL", ("RegionId", _region), ("AclId", software), ("SmartAGId", "sag-00000000000000000000"));
        var (noAcl, noAclBody) = await CallAsync("AssociateACL", ("RegionId", _region), ("AclId", "acl-000000000000000000"), ("SmartAGId", sag));
        var (noId, noIdBody) = await CallAsync("AssociateACL", ("RegionId", _region), ("AclId", software));

        AssertError(twice, twiceBody, 403, "SmartAGAlreadyAssociateAcl", "The specified smart access gateway has already been associated with the specified ACL.");
        AssertError(second, secondBody, 403, "AclPerSmartagAmountLimit", "No more ACL can be associated with this smart access gateway.");
        AssertError(cpe, cpeBody, 400, "SAG.SoftwareNotSupport", "The specified SAG software edition instance does not support ACL.");
        AssertError(noSag, noSagBody, 403, "InvalidId.SMARTAG", "The specified smart access gateway instance id is invalid.");
        AssertError(noAcl, noAclBody, 403, "InvalidId.ACL", "The specified ACL ID is invalid.");
        AssertError(noId, noIdBody, 403, "MissingParameter", "The input parameter is missing, please check your input.");
    }

    [Fact]
    public async Task DisassociateAcl_NotAssociated_403SmartAgNotAssociateAcl()
    {
        var aclId = await CreateAclAsync("loose", ("AclType", "acl-software"));
        var sag = await CreateInstanceAsync();

        var (status, body) = await CallAsync("DisassociateACL", ("RegionId", _region), ("AclId", aclId), ("SmartAGId", sag));
        var (noSag, noSagBody) = await CallAsync("DisassociateACL", ("RegionId", _region), ("AclId", aclId), ("SmartAGId", "sag-00000000000000000000"));

        AssertError(status, body, 403, "SmartAGNotAssociateAcl", "The specified smart access gateway is not associated with the specified ACL.");
        AssertError(noSag, noSagBody, 403, "InvalidId.SMARTAG", "The specified smart access gateway instance id is invalid.");
    }

    [Fact]
    public async Task DeleteAcl_WithRulesAndAnInstance_DisassociatesAndSecondDelete403InvalidIdAcl()
    {
        var aclId = await CreateAclAsync("busy", ("AclType", "acl-software"));
        var sag = await CreateInstanceAsync();
        await AddRuleIdAsync(aclId);
        Assert.Equal(200, (await CallAsync("AssociateACL", ("RegionId", _region), ("AclId", aclId), ("SmartAGId", sag))).Status);

        var (status, body) = await CallAsync("DeleteACL", ("RegionId", _region), ("AclId", aclId));
        var (again, againBody) = await CallAsync("DeleteACL", ("RegionId", _region), ("AclId", aclId));

        Assert.True(status == 200, $"answered {status}: {body}");
        Assert.Equal("", (await InstanceListItemAsync(sag)).GetProperty("AclIds").GetString());
        AssertError(again, againBody, 403, "InvalidId.ACL", "The specified ACL ID is invalid.");
        var other = await CreateAclAsync("next", ("AclType", "acl-software"));
        Assert.Equal(200, (await CallAsync("AssociateACL", ("RegionId", _region), ("AclId", other), ("SmartAGId", sag))).Status);
    }

    [Fact]
    public async Task EveryAclAction_AskedAsXml_RootIsTheActionAndListsAreWrapped()
    {
        var aclId = await CreateAclAsync("xml-acl", ("AclType", "acl-software"));
        var sag = await CreateInstanceAsync();

        var created = await XmlAsync("CreateACL", ("Name", "xml-other"));
        Track(created.Element("AclId")!.Value);
        await XmlAsync("ModifyACL", ("AclId", aclId), ("Name", "xml-acl-2"));
        var listed = await XmlAsync("DescribeACLs", ("AclIds", aclId));
        var rule = await XmlAsync("AddACLRule", [.. RuleParameters(aclId).Where(p => p.Name != "RegionId"), ("DpiGroupIds.1", "20")]);
        var acrId = rule.Element("AcrId")!.Value;
        var modified = await XmlAsync("ModifyACLRule", ("AclId", aclId), ("AcrId", acrId), ("Priority", "3"));
        var rules = await XmlAsync("DescribeACLAttribute", ("AclId", aclId));
        await XmlAsync("AssociateACL", ("AclId", aclId), ("SmartAGId", sag));
        var attribute = await XmlAsync("DescribeSmartAccessGatewayAttribute", ("SmartAGId", sag));
        await XmlAsync("DisassociateACL", ("AclId", aclId), ("SmartAGId", sag));
        await XmlAsync("DeleteACLRule", ("AclId", aclId), ("AcrId", acrId));
        await XmlAsync("DeleteACL", ("AclId", created.Element("AclId")!.Value));

        Assert.Equal("0", listed.Element("Acls")!.Element("Acl")!.Element("SagCount")!.Value);
        Assert.Equal("xml-acl-2", listed.Element("Acls")!.Element("Acl")!.Element("Name")!.Value);
        Assert.Equal("20", rule.Element("DpiGroupIds")!.Element("DpiGroupId")!.Value);
        Assert.Equal("3", modified.Element("Priority")!.Value);
        Assert.Equal(acrId, rules.Element("Acrs")!.Element("Acr")!.Element("AcrId")!.Value);
        Assert.Equal(aclId, attribute.Element("AclIds")!.Element("AclId")!.Value);
    }

    [Fact]
    public async Task CreateAcl_11thAclOfTheStore_403AclAmountLimitAndDeletingOneMakesRoom()
    {
        await using var server = await OpenSagServer.StartWithRandomKeysAsync();
        using var client = new SignedRpcClient(server);
        var ids = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            // Two regions: the limit is the account's, not a region's.
            var (status, body) = await client.CallAsync("CreateACL", new Dictionary<string, string> { ["RegionId"] = i % 2 == 0 ? "cn-shanghai" : "cn-hangzhou", ["Name"] = $"acl{i}" })
                .WaitAsync(RequestTimeout);
            Assert.True(status == 200, $"ACL {i + 1} answered {status}: {body}");
            ids.Add(body.GetProperty("AclId").GetString()!);
        }

        var (over, overBody) = await client.CallAsync("CreateACL", new Dictionary<string, string> { ["RegionId"] = "cn-beijing", ["Name"] = "acl10" }).WaitAsync(RequestTimeout);
        AssertError(over, overBody, 403, "AclAmountLimit", "No more ACL can be created. You can open a ticket to increase the quota of ACLs.");
        Assert.Equal(200, (await client.CallAsync("DeleteACL", new Dictionary<string, string> { ["RegionId"] = "cn-shanghai", ["AclId"] = ids[0] }).WaitAsync(RequestTimeout)).Status);
        Assert.Equal(200, (await client.CallAsync("CreateACL", new Dictionary<string, string> { ["RegionId"] = "cn-beijing", ["Name"] = "acl10" }).WaitAsync(RequestTimeout)).Status);
    }

    private static void AssertError(int status, JsonElement body, int expectedStatus, string code, string message)
    {
        Assert.True(status == expectedStatus, $"answered {status}: {body}");
        Assert.Equal(code, body.GetProperty("Code").GetString());
        Assert.Equal(message, body.GetProperty("Message").GetString());
    }

    /// <summary>Ids in ordinal order: ACLs made within one millisecond may list in either order.</summary>
    private static string?[] Sorted(params string?[] ids) => [.. ids.Order(StringComparer.Ordinal)];

    private string Track(string aclId)
    {
        _acls.Add(aclId);
        return aclId;
    }

    private async Task<string> CreateAclAsync(string name, params (string Name, string Value)[] extra)
    {
        var (status, body) = await CallAsync("CreateACL", [("RegionId", _region), ("Name", name), .. extra]);
        Assert.True(status == 200, $"CreateACL answered {status}: {body}");
        return Track(body.GetProperty("AclId").GetString()!);
    }

    /// <summary>A valid AddACLRule request (TCP to port 80 from anywhere) with <paramref name="changes"/> replacing or adding parameters.</summary>
    private (string Name, string Value)[] RuleParameters(string aclId, params (string Name, string Value)[] changes)
    {
        var parameters = new Dictionary<string, string>
        {
            ["RegionId"] = _region,
            ["AclId"] = aclId,
            ["Direction"] = "out",
            ["Policy"] = "drop",
            ["IpProtocol"] = "TCP",
            ["SourceCidr"] = "0.0.0.0/0",
            ["SourcePortRange"] = "-1/-1",
            ["DestCidr"] = "10.0.5.0/24",
            ["DestPortRange"] = "80/80",
        };
        foreach (var (name, value) in changes)
        {
            parameters[name] = value;
        }

        return [.. parameters.Select(p => (p.Key, p.Value))];
    }

    private Task<(int Status, JsonElement Body)> AddRuleAsync(string aclId, params (string Name, string Value)[] changes) =>
        CallAsync("AddACLRule", RuleParameters(aclId, changes));

    private async Task<string> AddRuleIdAsync(string aclId, params (string Name, string Value)[] changes)
    {
        var (status, body) = await AddRuleAsync(aclId, changes);
        Assert.True(status == 200, $"AddACLRule answered {status}: {body}");
        return body.GetProperty("AcrId").GetString()!;
    }

    private async Task<IReadOnlyList<JsonElement>> RulesAsync(string aclId)
    {
        var (status, body) = await CallAsync("DescribeACLAttribute", ("RegionId", _region), ("AclId", aclId), ("PageSize", "50"));
        Assert.True(status == 200, $"DescribeACLAttribute answered {status}: {body}");
        return [.. body.GetProperty("Acrs").GetProperty("Acr").EnumerateArray()];
    }

    private async Task<IReadOnlyList<string?>> RuleIdsAsync(string aclId, params (string Name, string Value)[] filter)
    {
        var (status, body) = await CallAsync("DescribeACLAttribute", [("RegionId", _region), ("AclId", aclId), .. filter]);
        Assert.True(status == 200, $"DescribeACLAttribute answered {status}: {body}");
        return [.. body.GetProperty("Acrs").GetProperty("Acr").EnumerateArray().Select(r => r.GetProperty("AcrId").GetString())];
    }

    private async Task<IReadOnlyList<string?>> ListedIdsAsync(params (string Name, string Value)[] filter)
    {
        var (status, body) = await CallAsync("DescribeACLs", [("RegionId", _region), .. filter]);
        Assert.True(status == 200, $"DescribeACLs answered {status}: {body}");
        return [.. body.GetProperty("Acls").GetProperty("Acl").EnumerateArray().Select(a => a.GetProperty("AclId").GetString())];
    }

    private async Task<JsonElement> AclAsync(string aclId)
    {
        var (status, body) = await CallAsync("DescribeACLs", ("RegionId", _region), ("AclIds", aclId));
        Assert.True(status == 200, $"DescribeACLs answered {status}: {body}");
        return Assert.Single(body.GetProperty("Acls").GetProperty("Acl").EnumerateArray());
    }

    private async Task<string> CreateInstanceAsync()
    {
        var (status, body) = await CallAsync("CreateSmartAccessGatewaySoftware", ("RegionId", _region), ("ChargeType", "PREPAY"), ("Period", "1"),
            ("UserCount", "5"), ("DataPlan", "5"), ("AutoPay", "true"));
        Assert.True(status == 200, $"CreateSmartAccessGatewaySoftware answered {status}: {body}");
        return body.GetProperty("SmartAGId").GetString()!;
    }

    private async Task<JsonElement> InstanceListItemAsync(string sag)
    {
        var (status, body) = await CallAsync("DescribeSmartAccessGateways", ("RegionId", _region), ("SmartAGId", sag));
        Assert.True(status == 200, $"DescribeSmartAccessGateways answered {status}: {body}");
        return Assert.Single(body.GetProperty("SmartAccessGateways").GetProperty("SmartAccessGateway").EnumerateArray());
    }

    private async Task<IReadOnlyList<string?>> InstanceIdsAsync(params (string Name, string Value)[] filter)
    {
        var (status, body) = await CallAsync("DescribeSmartAccessGateways", [("RegionId", _region), .. filter]);
        Assert.True(status == 200, $"DescribeSmartAccessGateways answered {status}: {body}");
        return [.. body.GetProperty("SmartAccessGateways").GetProperty("SmartAccessGateway").EnumerateArray().Select(i => i.GetProperty("SmartAGId").GetString())];
    }

    /// <summary>Calls the action in the test's region as XML; asserts a 200 whose root is the action's name and returns the root.</summary>
    private async Task<XElement> XmlAsync(string action, params (string Name, string Value)[] parameters)
    {
        var (status, xml) = await _client.CallXmlAsync(action, new[] { ("RegionId", _region) }.Concat(parameters).ToDictionary(p => p.Item1, p => p.Item2))
            .WaitAsync(RequestTimeout);
        Assert.True(status == 200, $"{action} answered {status}: {xml}");
        Assert.Equal(action, xml.Root!.Name.LocalName);
        return xml.Root;
    }

    private Task<(int Status, JsonElement Body)> CallAsync(string action, params (string Name, string Value)[] parameters) =>
        _client.CallAsync(action, parameters.ToDictionary(p => p.Name, p => p.Value)).WaitAsync(RequestTimeout);
}
