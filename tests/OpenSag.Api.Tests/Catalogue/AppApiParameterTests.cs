using OpenSag.Api.Actions;
using OpenSag.Api.Catalogue;
using OpenSag.Errors;

namespace OpenSag.Api.Tests.Catalogue;

/// <summary>
/// The declared rules of the issue 12 item 5 actions at their edges: what binding accepts, and the code it answers
/// otherwise (spec/smartag-acl-and-more.md §2, §3.1; acl12 decisions).
/// </summary>
public class AppApiParameterTests
{
    private static readonly ActionTable Table = SmartagActions.CreateTable();

    [Theory]
    [InlineData("UpgradeSmartAccessGatewaySoftware", "UserCount", "5", null)]
    [InlineData("UpgradeSmartAccessGatewaySoftware", "UserCount", "1000", null)]
    [InlineData("DowngradeSmartAccessGatewaySoftware", "UserCount", "0", "SAG.InvalidUserCount")]
    [InlineData("DowngradeSmartAccessGatewaySoftware", "UserCount", "7", "SAG.InvalidUserCount")]
    [InlineData("UpgradeSmartAccessGatewaySoftware", "UserCount", "1005", "SAG.InvalidUserCount")]
    [InlineData("UpgradeSmartAccessGatewaySoftware", "UserCount", "-5", "SAG.InvalidUserCount")]
    [InlineData("UpgradeSmartAccessGatewaySoftware", "DataPlan", "5", null)]
    [InlineData("UpgradeSmartAccessGatewaySoftware", "DataPlan", "10", "SAG.InvalidDataPlan")]
    [InlineData("UpgradeSmartAccessGatewaySoftware", "AutoPay", "TRUE", null)]
    [InlineData("UpgradeSmartAccessGatewaySoftware", "AutoPay", "0", null)]
    [InlineData("UpgradeSmartAccessGatewaySoftware", "AutoPay", "yes", "InvalidAutoPay")]
    [InlineData("CreateEnterpriseCode", "EnterpriseCode", "aB3c9", null)]
    [InlineData("CreateEnterpriseCode", "EnterpriseCode", "abcde", "InvalidParameter")]
    [InlineData("CreateEnterpriseCode", "EnterpriseCode", "12345", "InvalidParameter")]
    [InlineData("CreateEnterpriseCode", "EnterpriseCode", "ab12", "InvalidParameter")]
    [InlineData("CreateEnterpriseCode", "EnterpriseCode", "ab_12", "InvalidParameter")]
    [InlineData("CreateEnterpriseCode", "EnterpriseCode", "ab１23", "InvalidParameter")]
    [InlineData("DeleteEnterpriseCode", "EnterpriseCode", "abcde", null)]
    [InlineData("CreateEnterpriseCode", "ClientToken", "123e4567-e89b-12d3-a456-426655440000", null)]
    [InlineData("UpdateSmartAGUserAccelerateConfig", "ClientToken", "é", "InvalidClientToken.ValueNotSupported")]
    [InlineData("UpdateSmartAGUserAccelerateConfig", "Bandwidth", "0", "InvalidBandwidth")]
    [InlineData("UpdateSmartAGUserAccelerateConfig", "Bandwidth", "20001", null)]
    [InlineData("ListEnterpriseCode", "MaxResults", "100", null)]
    [InlineData("ListEnterpriseCode", "MaxResults", "101", "InvalidMaxResults")]
    [InlineData("DescribeRegions", "AcceptLanguage", "JA", null)]
    [InlineData("DescribeRegions", "AcceptLanguage", "fr-FR", "InvalidAcceptLanguage")]
    [InlineData("DescribeRegions", "RegionId", "not a region", null)]
    public void Parse_ValueAtTheEdgeOfTheRule_AcceptedOrRefusedWithTheDeclaredCode(string action, string parameter, string value, string? code)
    {
        var spec = Table.Find(action)!.Parameters.Single(p => p.Name == parameter);

        if (code is null)
        {
            spec.Parse(value);
        }
        else
        {
            Assert.Equal(code, Assert.Throws<ApiException>(() => spec.Parse(value)).Error.Code);
        }
    }

    [Fact]
    public void ClientToken_64AsciiCharacters_AcceptedAnd65Refused()
    {
        var spec = Table.Find("CreateEnterpriseCode")!.Parameters.Single(p => p.Name == "ClientToken");

        spec.Parse(new string('t', 64));

        Assert.Equal("InvalidClientToken.ValueNotSupported", Assert.Throws<ApiException>(() => spec.Parse(new string('t', 65))).Error.Code);
    }

    [Theory]
    [InlineData("UpdateSmartAGUserAccelerateConfig")]
    [InlineData("CreateEnterpriseCode")]
    [InlineData("DeleteEnterpriseCode")]
    [InlineData("UpdateEnterpriseCode")]
    [InlineData("UpdateSmartAGEnterpriseCode")]
    public void ClientToken_ActionsWhoseModelHasIt_DeclareIt(string action) =>
        Assert.Contains(Table.Find(action)!.Parameters, p => p.Name == "ClientToken");

    [Fact]
    public void ClientToken_NoOtherAction_DeclaresIt()
    {
        string[] withToken = ["UpdateSmartAGUserAccelerateConfig", "CreateEnterpriseCode", "DeleteEnterpriseCode", "UpdateEnterpriseCode", "UpdateSmartAGEnterpriseCode"];

        Assert.Equal(withToken.Order(StringComparer.Ordinal), Table.All.Where(a => a.Parameters.Any(p => p.Name == "ClientToken")).Select(a => a.Name));
    }

    [Theory]
    [InlineData("SmartAGId")]
    [InlineData("EnterpriseCode")]
    public void UpdateSmartAGEnterpriseCode_Missing_403MissingParameter(string parameter)
    {
        var missing = Table.Find("UpdateSmartAGEnterpriseCode")!.Parameters.Single(p => p.Name == parameter).Missing;

        Assert.Equal(("MissingParameter", 403), (missing.Code, missing.HttpStatus));
    }
}
