using OpenSag.Api.Actions;
using OpenSag.Api.Catalogue;
using OpenSag.Api.Tests.Support;
using OpenSag.Errors;

namespace OpenSag.Api.Tests.Catalogue;

/// <summary>Parameter validation derived from the action declarations (DESIGN.md §2 and §8, spec/smartag-api.md §1).</summary>
public class ActionArgumentsTests
{
    private const string SagId = "sag-0123456789abcdefghij";

    private static async Task<ActionArguments> BindAsync(ActionDefinition action, params (string Name, string Value)[] parameters) =>
        ActionArguments.Bind(action, await Requests.GetAsync(parameters));

    private static async Task<ErrorDefinition> BindErrorAsync(ActionDefinition action, params (string Name, string Value)[] parameters)
    {
        var request = await Requests.GetAsync(parameters);
        return Assert.Throws<ApiException>(() => ActionArguments.Bind(action, request)).Error;
    }

    private static (string, string)[] CreateInstance(params (string Name, string Value)[] overrides)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["RegionId"] = "cn-shanghai",
            ["ChargeType"] = "PREPAY",
            ["Period"] = "12",
            ["UserCount"] = "100",
            ["DataPlan"] = "5",
            ["AutoPay"] = "true",
        };
        foreach (var (name, value) in overrides)
        {
            values[name] = value;
        }

        return [.. values.Select(p => (p.Key, p.Value))];
    }

    private static (string, string)[] CreateUser(params (string Name, string Value)[] overrides)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["RegionId"] = "cn-shanghai",
            ["SmartAGId"] = SagId,
            ["UserMail"] = "alice@example.com",
            ["UserName"] = "alice.smith",
            ["Password"] = "Secret_123",
        };
        foreach (var (name, value) in overrides)
        {
            values[name] = value;
        }

        return [.. values.Select(p => (p.Key, p.Value))];
    }

    private static (string, string)[] UserNames(int count) =>
        [("RegionId", "cn-shanghai"), ("SmartAGId", SagId), .. Enumerable.Range(1, count).Select(i => ("UserNames." + i, "user" + i))];

    [Fact]
    public async Task Bind_KickOutClientsComplete_ReturnsTheValues()
    {
        var arguments = await BindAsync(SessionActions.KickOutClients, ("RegionId", "cn-shanghai"), ("SmartAGId", SagId), ("Username", "doctest"));

        Assert.Equal("cn-shanghai", arguments.Get(WireParameters.RegionId));
        Assert.Equal(SagId, arguments.Get(SessionActions.KickSmartAgId));
        Assert.Equal("doctest", arguments.Get(SessionActions.Username));
    }

    [Fact]
    public async Task Bind_KickOutClientsWithoutUsername_ClientUserNameEmpty()
    {
        var error = await BindErrorAsync(SessionActions.KickOutClients, ("RegionId", "cn-shanghai"), ("SmartAGId", SagId));

        Assert.Equal("ClientUser.NameEmpty", error.Code);
        Assert.Equal(400, error.HttpStatus);
        Assert.Equal("You must specify UserName.", error.Message);
    }

    [Fact]
    public async Task Bind_KickOutClientsWithEmptyUsername_ClientUserNameEmpty()
    {
        var error = await BindErrorAsync(SessionActions.KickOutClients, ("RegionId", "cn-shanghai"), ("SmartAGId", SagId), ("Username", ""));

        Assert.Equal("ClientUser.NameEmpty", error.Code);
        Assert.Equal(400, error.HttpStatus);
        Assert.Equal("You must specify UserName.", error.Message);
    }

    [Fact]
    public async Task Bind_KickOutClientsWithUserNameSpelledLikeOtherActions_ClientUserNameEmpty()
    {
        // KickOutClients alone takes "Username"; "UserName" is some other parameter to it.
        var error = await BindErrorAsync(SessionActions.KickOutClients, ("RegionId", "cn-shanghai"), ("SmartAGId", SagId), ("UserName", "doctest"));

        Assert.Equal("ClientUser.NameEmpty", error.Code);
    }

    [Fact]
    public async Task Bind_KickOutClientsWithoutRegionId_MissingRegionId()
    {
        var error = await BindErrorAsync(SessionActions.KickOutClients, ("SmartAGId", SagId), ("Username", "doctest"));

        Assert.Equal("MissingRegionId", error.Code);
        Assert.Equal(400, error.HttpStatus);
        Assert.Equal("RegionId is mandatory for this action.", error.Message);
    }

    [Fact]
    public async Task Bind_KickOutClientsWithoutSmartAgId_SagInstanceIdEmpty()
    {
        var error = await BindErrorAsync(SessionActions.KickOutClients, ("RegionId", "cn-shanghai"), ("Username", "doctest"));

        Assert.Equal("SAG.InstanceIdEmpty", error.Code);
        Assert.Equal(400, error.HttpStatus);
        Assert.Equal("You must specify the SAG instance ID.", error.Message);
    }

    [Fact]
    public async Task Bind_KickOutClientsWithOverlongSmartAgId_InstanceNotFoundInThePagesWording()
    {
        var error = await BindErrorAsync(SessionActions.KickOutClients, ("RegionId", "cn-shanghai"), ("SmartAGId", "sag-" + new string('a', 61)), ("Username", "doctest"));

        Assert.Equal("SAG.InstanceNoFound", error.Code);
        Assert.Equal(400, error.HttpStatus);
        Assert.Equal("The specified DB instance does not exist.", error.Message);
    }

    [Fact]
    public async Task Bind_NothingSent_FirstDeclaredParameterIsReported()
    {
        var error = await BindErrorAsync(SessionActions.KickOutClients);

        Assert.Equal("MissingRegionId", error.Code);
    }

    [Theory]
    [InlineData("Shanghai")]
    [InlineData("cn_shanghai")]
    [InlineData("cn")]
    public async Task Bind_MalformedRegionId_InvalidRegionId(string regionId)
    {
        var error = await BindErrorAsync(SessionActions.KickOutClients, ("RegionId", regionId), ("SmartAGId", SagId), ("Username", "doctest"));

        Assert.Equal("InvalidRegionId", error.Code);
        Assert.Equal(400, error.HttpStatus);
        Assert.Equal("Specified parameter RegionId is not valid.", error.Message);
    }

    [Fact]
    public async Task Bind_CreateInstanceComplete_ParsesTypedValues()
    {
        var arguments = await BindAsync(InstanceActions.Create, CreateInstance(("DataPlan", "1000000"), ("AutoPay", "false")));

        Assert.Equal("PREPAY", arguments.Get(InstanceActions.ChargeType));
        Assert.Equal(12, arguments.Get(InstanceActions.Period));
        Assert.Equal(100, arguments.Get(InstanceActions.UserCount));
        Assert.Equal(1_000_000L, arguments.Get(InstanceActions.DataPlan));
        Assert.False(arguments.Get(InstanceActions.AutoPay));
    }

    [Theory]
    [InlineData("Period", "10")]
    [InlineData("Period", "0")]
    [InlineData("Period", "-1")]
    [InlineData("Period", "abc")]
    [InlineData("Period", "1.5")]
    [InlineData("Period", " 12")]
    [InlineData("UserCount", "0")]
    [InlineData("UserCount", "100001")]
    [InlineData("UserCount", "2147483648")]
    [InlineData("UserCount", "1e3")]
    [InlineData("DataPlan", "0")]
    [InlineData("DataPlan", "1000001")]
    [InlineData("DataPlan", "99999999999999999999")]
    [InlineData("AutoPay", "yes")]
    [InlineData("AutoPay", "1")]
    [InlineData("AutoPay", "truee")]
    [InlineData("ChargeType", "POSTPAY")]
    public async Task Bind_CreateInstanceWithBadValue_InvalidThatParameter(string name, string value)
    {
        var error = await BindErrorAsync(InstanceActions.Create, CreateInstance((name, value)));

        Assert.Equal("Invalid" + name, error.Code);
        Assert.Equal(400, error.HttpStatus);
        Assert.Equal("Specified parameter " + name + " is not valid.", error.Message);
    }

    [Theory]
    [InlineData("1", 1)]
    [InlineData("9", 9)]
    [InlineData("24", 24)]
    [InlineData("36", 36)]
    public async Task Bind_CreateInstanceWithAllowedPeriod_ParsesIt(string value, int expected)
    {
        var arguments = await BindAsync(InstanceActions.Create, CreateInstance(("Period", value)));

        Assert.Equal(expected, arguments.Get(InstanceActions.Period));
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("false", false)]
    public async Task Bind_CreateInstanceAutoPay_ParsesBoolean(string value, bool expected)
    {
        var arguments = await BindAsync(InstanceActions.Create, CreateInstance(("AutoPay", value)));

        Assert.Equal(expected, arguments.Get(InstanceActions.AutoPay));
    }

    [Fact]
    public async Task Bind_CreateInstanceWithoutUserCount_MissingUserCount()
    {
        var parameters = CreateInstance().Where(p => p.Item1 != "UserCount").ToArray();

        var error = await BindErrorAsync(InstanceActions.Create, parameters);

        Assert.Equal("MissingUserCount", error.Code);
        Assert.Equal(400, error.HttpStatus);
        Assert.Equal("UserCount is mandatory for this action.", error.Message);
    }

    [Fact]
    public async Task Bind_CreateUserWithoutBandwidth_OptionalIntegerIsNull()
    {
        var arguments = await BindAsync(ClientUserActions.Create, CreateUser());

        Assert.Null(arguments.Get(WireParameters.Bandwidth));
        Assert.Null(arguments.Get(ClientUserActions.ClientIp));
        Assert.Equal("alice.smith", arguments.Get(WireParameters.UserName));
        Assert.Equal("Secret_123", arguments.Get(ClientUserActions.CreatePassword));
    }

    [Theory]
    [InlineData("1", 1)]
    [InlineData("20000", 20000)]
    public async Task Bind_CreateUserWithBandwidthAtTheLimits_ParsesIt(string value, int expected)
    {
        var arguments = await BindAsync(ClientUserActions.Create, CreateUser(("Bandwidth", value)));

        Assert.Equal(expected, arguments.Get(WireParameters.Bandwidth));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("20001")]
    [InlineData("-5")]
    [InlineData("fast")]
    [InlineData("99999999999")]
    public async Task Bind_CreateUserWithBadBandwidth_ClientUserBandwidthInvalid(string value)
    {
        var error = await BindErrorAsync(ClientUserActions.Create, CreateUser(("Bandwidth", value)));

        Assert.Equal("ClientUser.BandwidthInvalid", error.Code);
        Assert.Equal(400, error.HttpStatus);
        Assert.Equal("The specified Bandwidth is invalid.", error.Message);
    }

    [Theory]
    [InlineData("short")]
    [InlineData("_leading_underscore")]
    [InlineData("has space in it")]
    [InlineData("abcdefghijabcdefghijabcdefghijabcd")]
    public async Task Bind_CreateUserWithBadUserName_ClientUserNameInvalid(string value)
    {
        var error = await BindErrorAsync(ClientUserActions.Create, CreateUser(("UserName", value)));

        Assert.Equal("ClientUser.NameInvalid", error.Code);
        Assert.Equal(400, error.HttpStatus);
    }

    [Fact]
    public async Task Bind_CreateUserWithoutUserMail_ClientUserEmailEmpty()
    {
        var error = await BindErrorAsync(ClientUserActions.Create, CreateUser(("UserMail", "")));

        Assert.Equal("ClientUser.EmailEmpty", error.Code);
        Assert.Equal(400, error.HttpStatus);
    }

    [Fact]
    public async Task Bind_CreateUserWithBadClientIp_ClientUserInvalidClientIp()
    {
        var error = await BindErrorAsync(ClientUserActions.Create, CreateUser(("ClientIp", "10.0.0")));

        Assert.Equal("ClientUser.InvalidClientIp", error.Code);
    }

    [Fact]
    public async Task Bind_UserNamesOutOfOrderOnTheWire_ReadInIndexOrder()
    {
        // 10 items so a string sort (1, 10, 2, …) would show.
        var parameters = UserNames(10).Reverse().ToArray();

        var arguments = await BindAsync(SessionActions.UserStatistics, parameters);

        Assert.Equal(Enumerable.Range(1, 10).Select(i => "user" + i), arguments.Get(SessionActions.StatisticsUserNames));
    }

    [Fact]
    public async Task Bind_FiftyUserNames_AllRead()
    {
        var arguments = await BindAsync(SessionActions.UserStatistics, UserNames(50));

        Assert.Equal(50, arguments.Get(SessionActions.StatisticsUserNames).Count);
        Assert.Equal("user50", arguments.Get(SessionActions.StatisticsUserNames)[49]);
    }

    [Fact]
    public async Task Bind_FiftyOneUserNames_ClientUserNameInvalid()
    {
        var error = await BindErrorAsync(SessionActions.UserStatistics, UserNames(51));

        Assert.Equal("ClientUser.NameInvalid", error.Code);
        Assert.Equal(400, error.HttpStatus);
    }

    [Fact]
    public async Task Bind_UserNamesWithAGap_ClientUserNameInvalid()
    {
        var error = await BindErrorAsync(SessionActions.UserStatistics, ("RegionId", "cn-shanghai"), ("SmartAGId", SagId), ("UserNames.1", "a"), ("UserNames.3", "c"));

        Assert.Equal("ClientUser.NameInvalid", error.Code);
        Assert.Equal(400, error.HttpStatus);
    }

    [Theory]
    [InlineData("UserNames.0")]
    [InlineData("UserNames.x")]
    [InlineData("UserNames.-1")]
    [InlineData("UserNames.")]
    public async Task Bind_UserNamesWithBadIndex_InvalidParameterNamingTheKey(string key)
    {
        var error = await BindErrorAsync(SessionActions.UserStatistics, ("RegionId", "cn-shanghai"), ("SmartAGId", SagId), ("UserNames.1", "a"), (key, "b"));

        Assert.Equal("InvalidParameter", error.Code);
        Assert.Equal("The specified value of parameter \"" + key + "\" is not valid.", error.Message);
    }

    [Fact]
    public async Task Bind_NoUserNames_ClientUserNameEmpty()
    {
        var error = await BindErrorAsync(SessionActions.UserStatistics, ("RegionId", "cn-shanghai"), ("SmartAGId", SagId));

        Assert.Equal("ClientUser.NameEmpty", error.Code);
        Assert.Equal(400, error.HttpStatus);
        Assert.Equal("You must specify UserName.", error.Message);
    }

    /// <summary>
    /// "UserNames.01" would parse to index 1 and silently replace (or be replaced by) "UserNames.1"; a
    /// non-canonical index is refused instead of dropping a value.
    /// </summary>
    [Fact]
    public async Task Bind_UserNamesIndexWithLeadingZeroBesideTheSameIndex_InvalidParameterNamingTheKey()
    {
        var request = await Requests.ReadAsync("GET", "RegionId=cn-shanghai&SmartAGId=" + SagId + "&UserNames.1=a&UserNames.01=b");

        var error = Assert.Throws<ApiException>(() => ActionArguments.Bind(SessionActions.UserStatistics, request)).Error;

        Assert.Equal("InvalidParameter", error.Code);
        Assert.Equal("The specified value of parameter \"UserNames.01\" is not valid.", error.Message);
    }

    [Fact]
    public async Task Bind_OptionalListAbsent_EmptyList()
    {
        var arguments = await BindAsync(SessionActions.InstanceStatistics, ("RegionId", "cn-shanghai"));

        Assert.Empty(arguments.Get(WireParameters.SmartAgIds));
    }

    [Fact]
    public async Task Bind_ValuesWithSpecialCharactersPercentEncoded_SurviveDecodingExactly()
    {
        // Name and Status of DescribeSmartAccessGateways are free text (exact-match filters).
        const string name = "Ünïcödé 名字 \"quoted\" 'single' a+b*c~d";
        const string status = "spaces, +plus+, *star*, ~tilde~ & ampersand = equals % percent; 😀";

        var arguments = await BindAsync(InstanceActions.List, ("RegionId", "cn-shanghai"), ("Name", name), ("Status", status));

        Assert.Equal(name, arguments.Get(InstanceActions.NameFilter));
        Assert.Equal(status, arguments.Get(InstanceActions.StatusFilter));
    }
}
