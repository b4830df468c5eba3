using OpenSag.Api.Actions;
using OpenSag.Api.Catalogue;
using OpenSag.Api.Tests.Support;
using OpenSag.Errors;

namespace OpenSag.Api.Tests.Catalogue;

/// <summary>
/// The ACL actions' parameters answer with the ACL tables' errors (spec/smartag-acl-and-more.md §1.16): 403
/// MissingParameter / InvalidParameter and the field codes, not the 400 forms the other actions use.
/// </summary>
public sealed class AclParameterTests
{
    private const string AclId = "acl-0123456789abcdefgh";

    public static TheoryData<string> AclActionNames => [.. AclActions.All.Select(a => a.Name)];

    [Theory]
    [MemberData(nameof(AclActionNames))]
    public void EveryParameter_ExceptTheCommonRegionId_AnswersWithAnAclTableError(string actionName)
    {
        var action = AclActions.All.Single(a => a.Name == actionName);
        foreach (var parameter in action.Parameters.Where(p => p.Name != "RegionId"))
        {
            if (parameter.Required)
            {
                Assert.Equal(ErrorCatalogue.AclMissingParameter, parameter.Missing);
            }

            if (parameter.RuleError is { } invalid)
            {
                Assert.True(invalid.HttpStatus == 403 || invalid == ErrorCatalogue.AclInvalidRuleType, $"{actionName} {parameter.Name} answers {invalid}");
            }
        }
    }

    [Theory]
    [InlineData("Direction", "inbound", "InvalidParameter")]
    [InlineData("Policy", "deny", "InvalidParameter")]
    [InlineData("IpProtocol", "GRE", "NotSupportedProtocol")]
    [InlineData("SourcePortRange", "0/80", "InvalidPortRange")]
    [InlineData("DestPortRange", "80", "InvalidPortRange")]
    [InlineData("SourceCidr", "10.0.0.0/33", "InvalidParameter")]
    [InlineData("DestCidr", "10.0.0.0", "InvalidParameter")]
    [InlineData("Priority", "101", "InvalidParameter")]
    [InlineData("Priority", "high", "InvalidParameter")]
    [InlineData("Name", "1rule", "InvalidParameter")]
    [InlineData("Description", "", null)]
    [InlineData("Type", "VPC", "ACL.InvalidType")]
    [InlineData("DpiGroupIds.101", "1", "InvalidParameter")]
    public async Task AddAclRule_ValueBreakingItsRule_ItsAclCode(string name, string value, string? code)
    {
        var parameters = Rule().Where(p => p.Name != name).Append((name, value)).ToArray();
        var request = await Requests.GetAsync(parameters);

        if (code is null)
        {
            ActionArguments.Bind(AclActions.AddRule, request); // an empty value is an absent one, and Description is optional
            return;
        }

        Assert.Equal(code, Assert.Throws<ApiException>(() => ActionArguments.Bind(AclActions.AddRule, request)).Error.Code);
    }

    [Fact]
    public async Task AddAclRule_EveryFieldAsSent_BoundUnchanged()
    {
        var arguments = ActionArguments.Bind(AclActions.AddRule, await Requests.GetAsync([.. Rule().Where(p => p.Name is not ("IpProtocol" or "Direction")), ("IpProtocol", "tcp"), ("Direction", "Out")]));

        Assert.Equal("tcp", arguments.Get(AclActions.NewIpProtocol));
        Assert.Equal("Out", arguments.Get(AclActions.NewDirection));
        Assert.Equal("-1/-1", arguments.Get(AclActions.NewSourcePortRange));
    }

    [Fact]
    public async Task CreateAcl_NameBreakingTheRule_403InvalidName()
    {
        var request = await Requests.GetAsync(("RegionId", "cn-shanghai"), ("Name", "web servers"));

        Assert.Equal(ErrorCatalogue.AclInvalidName, Assert.Throws<ApiException>(() => ActionArguments.Bind(AclActions.Create, request)).Error);
    }

    [Fact]
    public void CommaList_SpacesAndEmptyItems_IdsOnly() =>
        Assert.Equal(["acl-a", "acl-b"], AclActions.CommaList(" acl-a,,acl-b ,"));

    private static (string Name, string Value)[] Rule() =>
    [
        ("RegionId", "cn-shanghai"),
        ("AclId", AclId),
        ("Direction", "out"),
        ("Policy", "drop"),
        ("IpProtocol", "TCP"),
        ("SourceCidr", "0.0.0.0/0"),
        ("SourcePortRange", "-1/-1"),
        ("DestCidr", "10.0.5.0/24"),
        ("DestPortRange", "80/80"),
    ];
}
