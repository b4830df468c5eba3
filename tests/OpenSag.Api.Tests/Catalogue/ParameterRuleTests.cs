using OpenSag.Api.Actions;
using OpenSag.Api.Catalogue;

namespace OpenSag.Api.Tests.Catalogue;

/// <summary>
/// Issue 14 fault 3: every parameter's constraint is somewhere a user can read it. Each parameter of every action
/// has a rule text (shown by <c>--usage</c> and generated into the README), and a text stated as numbers agrees with
/// the check it describes at its edges.
/// </summary>
public class ParameterRuleTests
{
    private static readonly ActionTable Table = SmartagActions.CreateTable();

    /// <summary>String parameters that accept any text on purpose: exact-match filters, and one that is ignored.</summary>
    private static readonly HashSet<(string Action, string Parameter)> FreeText =
    [
        ("DescribeSmartAccessGateways", "Name"),
        ("DescribeSmartAccessGateways", "Status"),
        ("DescribeSmartAccessGateways", "InstanceType"),

        // Accepted and ignored, as the owner parameters are (acl12: "Order accepted and ignored").
        ("DescribeACLAttribute", "Order"),

        // Sent by the old Go SDK with every call, and ignored (spec/smartag-acl-and-more.md §3.1).
        ("DescribeRegions", "RegionId"),
    ];

    public static TheoryData<string> Actions() => [.. Table.All.Select(a => a.Name)];

    [Theory]
    [MemberData(nameof(Actions))]
    public void Parameters_OfEveryAction_HaveARuleText(string action)
    {
        foreach (var p in Table.Find(action)!.Parameters)
        {
            Assert.False(string.IsNullOrWhiteSpace(p.Rule), $"{action} {p.Name} has no rule text");
            if (p.Constraint is { } constraint)
            {
                Assert.False(string.IsNullOrWhiteSpace(constraint.Text), $"{action} {p.Name}: its constraint has no text; Matching(check, text) says what it checks");
            }
            else if (p.Kind == ParameterKind.String && !WireParameters.Owner.Contains(p))
            {
                Assert.True(FreeText.Contains((action, p.Name)),
                    $"{action} {p.Name} accepts any text: declare its rule with Matching(check, text), or list it in FreeText if any text is right");
            }
        }
    }

    [Theory]
    [InlineData("abcdef", false)]
    [InlineData("abcdefg", true)]
    [InlineData("a23456789012345678901234567890123", true)]
    [InlineData("a234567890123456789012345678901234", false)]
    [InlineData("_abcdefg", false)]
    [InlineData("a.b_c@d-e", true)]
    [InlineData("abc defg", false)]
    public void UserName_ValuesAtTheEdgesOfItsRuleText_AreCheckedAsTheTextSays(string name, bool accepted)
    {
        Assert.Equal("7–33 characters: letters A–Z a–z, digits, _ @ . -, starting with a letter or digit", WireParameters.UserName.Spec.Rule);
        Assert.Equal("ClientUser.NameInvalid", WireParameters.UserName.Spec.RuleError?.Code);
        Assert.Equal(accepted, WireParameters.UserName.Spec.Constraint!.Matches(name));
    }

    [Theory]
    [InlineData("CreateSmartAccessGatewaySoftware", "Period", "one of 1–9, 12, 24, 36")]
    [InlineData("CreateSmartAccessGatewaySoftware", "UserCount", "1–100000")]
    [InlineData("CreateSmartAccessGatewaySoftware", "AutoPay", "true or false (any letter case)")]
    [InlineData("CreateSmartAccessGatewayClientUser", "Bandwidth", "1–20000")]
    [InlineData("DescribeSmartAccessGateways", "PageNumber", "1 or more")]
    [InlineData("DescribeSmartAccessGateways", "PageSize", "1–50")]
    [InlineData("DescribeSmartAccessGatewayClientUsers", "PageSize", "1–100")]
    [InlineData("DescribeSmartAccessGatewayClientUsers", "UserName", "up to 64 characters")]
    [InlineData("ModifySmartAccessGateway", "SecurityLockThreshold", "0 or more")]
    [InlineData("ModifyClientUserDNS", "AppDNS", "up to 2 items, each an IPv4 address in dotted form (10.0.5.20)")]
    [InlineData("DescribeSagOnlineClientStatistics", "SmartAGIds", "up to 50 items, each up to 64 characters")]
    [InlineData("KickOutClients", "OwnerId", "a whole number")]
    [InlineData("UpgradeSmartAccessGatewaySoftware", "UserCount", "5–1000, a multiple of 5")]
    [InlineData("ListEnterpriseCode", "MaxResults", "1–100")]
    public void Rule_OfADeclaredRangeOrList_IsDerivedFromTheDeclaration(string action, string parameter, string rule)
    {
        Assert.Equal(rule, Table.Find(action)!.Parameters.Single(p => p.Name == parameter).Rule);
    }

    [Fact]
    public void RuleTable_EveryParameterOfEveryAction_HasARowWithItsRule()
    {
        var markdown = ParameterRuleTable.Markdown(Table);

        foreach (var p in Table.All.SelectMany(a => a.Parameters))
        {
            Assert.Contains($"| `{p.Name}` | {p.Kind} | {p.Rule} |", markdown, StringComparison.Ordinal);
        }

        Assert.Contains("| `UserName` | String | 7–33 characters: letters A–Z a–z, digits, _ @ . -, starting with a letter or digit | `ClientUser.NameInvalid` |", markdown, StringComparison.Ordinal);
    }
}
