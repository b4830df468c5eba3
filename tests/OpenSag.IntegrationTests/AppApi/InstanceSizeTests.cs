using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.AppApi;

/// <summary>Upgrade/DowngradeSmartAccessGatewaySoftware over HTTP (spec/smartag-acl-and-more.md §2.1).</summary>
[Collection(SharedConformanceServer.Name)]
public sealed class InstanceSizeTests(ConformanceServerFixture fixture) : IDisposable
{
    private readonly AppApiCalls _api = new(fixture.Server);

    public void Dispose() => _api.Dispose();

    [Theory]
    [InlineData("UpgradeSmartAccessGatewaySoftware", 10, "20")]
    [InlineData("DowngradeSmartAccessGatewaySoftware", 20, "5")]
    public async Task Resize_Valid_NewUserCountAtOnceWithAnOrderId(string action, int from, string to)
    {
        var sag = await _api.CreateInstanceAsync(from);

        var body = await _api.OkAsync(action, ("SmartAGId", sag), ("UserCount", to), ("DataPlan", "5"), ("AutoPay", "true"));

        Assert.Equal(["RequestId", "OrderId"], body.EnumerateObject().Select(p => p.Name));
        Assert.Matches("^[1-9][0-9]{14}$", body.GetProperty("OrderId").GetString());
        Assert.Equal(int.Parse(to, System.Globalization.CultureInfo.InvariantCulture), (await _api.DescribeInstanceAsync(sag)).GetProperty("UserCount").GetInt32());
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1")]
    [InlineData("12")]
    [InlineData("1005")]
    [InlineData("-5")]
    [InlineData("ten")]
    public async Task Upgrade_UserCountNotAMultipleOf5From5To1000_InvalidUserCount(string userCount)
    {
        var sag = await _api.CreateInstanceAsync(5);

        var message = await _api.RefusedAsync(400, "SAG.InvalidUserCount", "UpgradeSmartAccessGatewaySoftware", ("SmartAGId", sag), ("UserCount", userCount),
            ("DataPlan", "5"), ("AutoPay", "true"));

        Assert.StartsWith("The specified UserCount is invalid", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("UpgradeSmartAccessGatewaySoftware")]
    [InlineData("DowngradeSmartAccessGatewaySoftware")]
    public async Task Resize_DataPlanOtherThan5_InvalidDataPlan(string action)
    {
        var sag = await _api.CreateInstanceAsync(10);

        var message = await _api.RefusedAsync(400, "SAG.InvalidDataPlan", action, ("SmartAGId", sag), ("UserCount", "10"), ("DataPlan", "10"), ("AutoPay", "true"));

        Assert.Equal("The specified DataPlan is invalid.", message);
    }

    [Fact]
    public async Task Downgrade_BelowTheUsersThatExist_InvalidUserCountAndUnchanged()
    {
        var sag = await _api.CreateInstanceAsync(10);
        for (var i = 0; i < 6; i++)
        {
            await _api.CreateUserAsync(sag, $"sizeuser{i}");
        }

        await _api.RefusedAsync(400, "SAG.InvalidUserCount", "DowngradeSmartAccessGatewaySoftware", ("SmartAGId", sag), ("UserCount", "5"), ("DataPlan", "5"), ("AutoPay", "false"));

        Assert.Equal(10, (await _api.DescribeInstanceAsync(sag)).GetProperty("UserCount").GetInt32());
    }

    [Fact]
    public async Task Downgrade_ToExactlyTheUsersThatExist_AcceptedAndNoMoreUsers()
    {
        var sag = await _api.CreateInstanceAsync(10);
        for (var i = 0; i < 5; i++)
        {
            await _api.CreateUserAsync(sag, $"sizeuser{i}");
        }

        await _api.OkAsync("DowngradeSmartAccessGatewaySoftware", ("SmartAGId", sag), ("UserCount", "5"), ("DataPlan", "5"), ("AutoPay", "0"));

        await _api.RefusedAsync(400, "ClientUser.UserOverLimit", "CreateSmartAccessGatewayClientUser", ("SmartAGId", sag), ("UserName", "sizeuser9"),
            ("Password", "Passw0rd_1"), ("UserMail", "sizeuser9@example.com"));
    }

    [Fact]
    public async Task Upgrade_BelowTheCurrentUserCount_InvalidUserCount()
    {
        var sag = await _api.CreateInstanceAsync(20);

        await _api.RefusedAsync(400, "SAG.InvalidUserCount", "UpgradeSmartAccessGatewaySoftware", ("SmartAGId", sag), ("UserCount", "10"), ("DataPlan", "5"), ("AutoPay", "true"));
    }

    [Fact]
    public async Task Downgrade_AboveTheCurrentUserCount_InvalidUserCount()
    {
        var sag = await _api.CreateInstanceAsync(10);

        await _api.RefusedAsync(400, "SAG.InvalidUserCount", "DowngradeSmartAccessGatewaySoftware", ("SmartAGId", sag), ("UserCount", "20"), ("DataPlan", "5"), ("AutoPay", "true"));
    }

    [Theory]
    [InlineData("1")]
    [InlineData("0")]
    [InlineData("TRUE")]
    [InlineData("false")]
    public async Task Upgrade_AutoPayForms_Accepted(string autoPay)
    {
        var sag = await _api.CreateInstanceAsync(5);

        await _api.OkAsync("UpgradeSmartAccessGatewaySoftware", ("SmartAGId", sag), ("UserCount", "10"), ("DataPlan", "5"), ("AutoPay", autoPay));
    }

    [Fact]
    public async Task Upgrade_UnknownInstance_InstanceNoFound() =>
        await _api.RefusedAsync(400, "SAG.InstanceNoFound", "UpgradeSmartAccessGatewaySoftware", ("SmartAGId", "sag-doesnotexist00000000"), ("UserCount", "10"),
            ("DataPlan", "5"), ("AutoPay", "true"));

    [Theory]
    [InlineData("UserCount")]
    [InlineData("DataPlan")]
    [InlineData("AutoPay")]
    public async Task Upgrade_RequiredParameterMissing_MissingIt(string missing)
    {
        var sag = await _api.CreateInstanceAsync(5);
        (string, string)[] all = [("SmartAGId", sag), ("UserCount", "10"), ("DataPlan", "5"), ("AutoPay", "true")];

        await _api.RefusedAsync(400, "Missing" + missing, "UpgradeSmartAccessGatewaySoftware", [.. all.Where(p => p.Item1 != missing)]);
    }

    [Fact]
    public async Task Upgrade_Xml_OrderIdUnderTheActionRoot()
    {
        var sag = await _api.CreateInstanceAsync(5);

        var (status, xml) = await _api.CallXmlAsync("UpgradeSmartAccessGatewaySoftware", ("SmartAGId", sag), ("UserCount", "10"), ("DataPlan", "5"), ("AutoPay", "true"));

        Assert.Equal(200, status);
        Assert.Equal("UpgradeSmartAccessGatewaySoftware", xml.Root!.Name.LocalName);
        Assert.Matches("^[1-9][0-9]{14}$", xml.Root.Element("OrderId")!.Value);
    }
}
