using System.Text.Json;
using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.Cli;

/// <summary>
/// <c>opensag smartag</c> end to end against the real server: the README's walk-through, list flags, where
/// credentials come from, and what a user sees when something is wrong.
/// </summary>
[Collection(SharedConformanceServer.Name)]
public sealed class SmartagCliTests(ConformanceServerFixture fixture)
{
    private OpenSagServer Server => fixture.Server;

    [Fact]
    public async Task Walkthrough_CreateInstanceUserListAndKick_EachStepSucceeds()
    {
        var sag = await CreateInstanceWithCidrAsync();

        var created = await SmartagCli.RunAsync(Server, "CreateSmartAccessGatewayClientUser", "--RegionId", "cn-shanghai", "--SmartAGId", sag,
            "--UserName", "doctest01", "--Password", "Passw0rd_1", "--UserMail", "doctest@example.com", "--Bandwidth", "2000");
        Assert.True(created.ExitCode == 0, created.ToString());
        Assert.Equal("doctest01", created.Json.GetProperty("UserName").GetString());

        var listed = await SmartagCli.RunAsync(Server, "DescribeSmartAccessGatewayClientUsers", "--RegionId", "cn-shanghai", "--SmartAGId", sag);
        Assert.True(listed.ExitCode == 0, listed.ToString());
        var users = listed.Json.GetProperty("Users").GetProperty("User");
        Assert.Equal(JsonValueKind.Array, users.ValueKind);
        Assert.Equal("doctest01", Assert.Single(users.EnumerateArray()).GetProperty("UserName").GetString());

        var kicked = await SmartagCli.RunAsync(Server, "KickOutClients", "--RegionId", "cn-shanghai", "--SmartAGId", sag, "--Username", "doctest01");
        Assert.True(kicked.ExitCode == 0, kicked.ToString());
        var property = Assert.Single(kicked.Json.EnumerateObject());
        Assert.Equal("RequestId", property.Name);
        Assert.Matches("^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$", property.Value.GetString());
    }

    [Fact]
    public async Task KickOutClients_UnknownInstance_ExitsOneWithCodeAndMessage()
    {
        var result = await SmartagCli.RunAsync(Server, "KickOutClients", "--RegionId", "cn-shanghai", "--SmartAGId", "sag-doesnotexist000000", "--Username", "doctest01");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("SAG.InstanceNoFound", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("The specified DB instance does not exist.", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("HTTP 400", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KickOutClients_NoUsername_ExitsOneWithNameEmpty()
    {
        var sag = await CreateInstanceWithCidrAsync();

        var result = await SmartagCli.RunAsync(Server, "KickOutClients", "--RegionId", "cn-shanghai", "--SmartAGId", sag);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("ClientUser.NameEmpty: You must specify UserName.", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("KickOutClients takes it as --Username.", result.Stderr, StringComparison.Ordinal);
    }

    /// <summary>The wire message is the cloud's generic one; the CLI adds the rule the value broke, and only for the broken value.</summary>
    [Theory]
    [InlineData("DescribeAuditLog --StartTime 2026-11-30", "InvalidStartTime", "opensag smartag: --StartTime must be an ISO 8601 UTC time (2026-11-30T12:00:00Z).")]
    [InlineData("CreateSmartAccessGatewaySoftware --RegionId cn-shanghai --ChargeType PREPAY --Period 13 --UserCount 5 --DataPlan 5", "InvalidPeriod", "opensag smartag: --Period must be one of 1–9, 12, 24, 36.")]
    public async Task InvalidValue_BreaksItsRule_ExitsOneNamingTheRule(string command, string code, string hint)
    {
        var result = await SmartagCli.RunAsync(Server, command.Split(' '));

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains($"ERROR: {code}: ", result.Stderr, StringComparison.Ordinal);
        Assert.Equal(hint, result.Stderr.TrimEnd().Split('\n')[^1]);
    }

    [Fact]
    public async Task KickOutClients_WellFormedUnknownInstance_NoRuleHint()
    {
        var result = await SmartagCli.RunAsync(Server, "KickOutClients", "--RegionId", "cn-shanghai", "--SmartAGId", "sag-doesnotexist000000", "--Username", "doctest01");

        Assert.Equal(1, result.ExitCode);
        Assert.DoesNotContain("must be", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownAction_Misspelt_ExitsTwoSuggestingTheAction()
    {
        var result = await SmartagCli.RunAsync(Server, "KickOutClint", "--RegionId", "cn-shanghai", "--SmartAGId", "sag-x", "--Username", "doctest01");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("opensag smartag: unknown action 'KickOutClint'; did you mean KickOutClients?", result.Stderr.TrimEnd());
        Assert.Equal("", result.Stdout);
    }

    [Theory]
    [InlineData("--SmartAGid", "--SmartAGId")]
    [InlineData("--UserName", "--Username")]
    [InlineData("--RegoinId", "--RegionId")]
    [InlineData("--endpont", "--endpoint")]
    public async Task UnknownFlag_Misspelt_ExitsTwoWithOneLineSuggestingTheFlag(string flag, string suggestion)
    {
        var result = await SmartagCli.RunAsync(Server, "KickOutClients", "--RegionId", "cn-shanghai", flag, "sag-x", "--Username", "doctest01");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"opensag smartag: unknown flag {flag} for KickOutClients; did you mean {suggestion}?", result.Stderr.TrimEnd());
    }

    [Fact]
    public async Task UnknownFlag_NothingClose_ExitsTwoPointingToUsage()
    {
        var result = await SmartagCli.RunAsync(Server, "KickOutClients", "--RegionId", "cn-shanghai", "--Frobnicate", "1");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("opensag smartag KickOutClients --usage", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_Smartag_DescribesTheApiFlagsWithoutSystemCommandLineFiller()
    {
        var result = await SmartagCli.RunAsync(Server, "--help");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.DoesNotContain("additional arguments", result.Stdout, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Arguments passed to the application", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("opensag smartag <Action> [--Param value ...]", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("--usage", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("--help", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListParameter_RepeatedAndNumberedFlags_SentAsUserNamesN()
    {
        var sag = await CreateInstanceWithCidrAsync();

        var repeated = await SmartagCli.RunAsync(Server, "DescribeUserOnlineClientStatistics", "--RegionId", "cn-shanghai", "--SmartAGId", sag,
            "--UserNames", "alice001", "--UserNames", "bobby001");
        var numbered = await SmartagCli.RunAsync(Server, "DescribeUserFlowStatistics", "--RegionId", "cn-shanghai", "--SmartAGId", sag,
            "--UserNames.1", "carol001", "--UserNames.2", "dave0001");

        Assert.True(repeated.ExitCode == 0, repeated.ToString());
        Assert.Equal(["alice001", "bobby001"], repeated.Json.GetProperty("UserStatistics").GetProperty("Statistics").EnumerateArray()
            .Select(s => s.GetProperty("UserName").GetString()));
        Assert.True(numbered.ExitCode == 0, numbered.ToString());
        Assert.Equal(["carol001", "dave0001"], numbered.Json.GetProperty("SagStatistics").GetProperty("Statistics").EnumerateArray()
            .Select(s => s.GetProperty("UserName").GetString()));
    }

    [Fact]
    public async Task Profile_WrittenByServe_WorksWithoutOtherCredentials()
    {
        var profile = Path.Combine(Server.DataDir, "root-profile.json");

        var result = await SmartagCli.RunAsync(new Dictionary<string, string?>(), "--profile", profile,
            "DescribeSmartAccessGateways", "--RegionId", "cn-profile");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(0, result.Json.GetProperty("TotalCount").GetInt32());
    }

    [Fact]
    public async Task WrongSecret_ExitsOneWithSignatureDoesNotMatch()
    {
        var result = await SmartagCli.RunAsync(new Dictionary<string, string?>
        {
            ["OPENSAG_ENDPOINT"] = Server.Endpoint.ToString(),
            ["OPENSAG_ACCESS_KEY_ID"] = Server.AccessKeyId,
            ["OPENSAG_ACCESS_KEY_SECRET"] = "not-the-secret",
        }, "DescribeSmartAccessGateways", "--RegionId", "cn-shanghai");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("SignatureDoesNotMatch", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Format_Xml_PrintsTheXmlBody()
    {
        var result = await SmartagCli.RunAsync(Server, "DescribeSmartAccessGateways", "--RegionId", "cn-xml", "--Format", "XML");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("<DescribeSmartAccessGateways><RequestId>", result.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("KickOutClients", "--RegionId")]
    [InlineData("KickOutClients", "stray")]
    [InlineData("KickOutClients", "--RegionId", "a", "--RegionId", "b")]
    public async Task BadFlags_ExitsTwoWithoutCallingTheServer(params string[] arguments)
    {
        var result = await SmartagCli.RunAsync(Server, arguments);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("opensag smartag: ", result.Stderr, StringComparison.Ordinal);
    }

    /// <summary>
    /// Half a key pair from one source used to be completed from the next (a flag's id with the environment's or the
    /// profile's secret), so the call was signed with a secret that is not the key's and the server answered a
    /// baffling InvalidAccessKeyId.NotFound or SignatureDoesNotMatch.
    /// </summary>
    [Theory]
    [InlineData("flags")]
    [InlineData("environment")]
    public async Task AccessKey_HalfAPairFromOneSource_ExitsTwoNamingTheMissingHalf(string source)
    {
        var environment = new Dictionary<string, string?> { ["OPENSAG_PROFILE"] = Path.Combine(Server.DataDir, "root-profile.json") };
        string[] flags = [];
        if (source == "flags")
        {
            flags = ["--access-key-id", Server.AccessKeyId];
            environment["OPENSAG_ACCESS_KEY_SECRET"] = "not-the-secret";
        }
        else
        {
            environment["OPENSAG_ACCESS_KEY_ID"] = "LTAInotthekey0001";
        }

        var result = await SmartagCli.RunAsync(environment, ["DescribeSmartAccessGateways", "--RegionId", "cn-shanghai", .. flags]);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains(source == "flags" ? "--access-key-id without --access-key-secret" : "OPENSAG_ACCESS_KEY_ID without OPENSAG_ACCESS_KEY_SECRET", result.Stderr, StringComparison.Ordinal);
    }

    /// <summary>A newcomer who skipped OPENSAG_PROFILE learns where serve put the key, not only which flags exist.</summary>
    [Fact]
    public async Task AccessKey_NoneAnywhere_ExitsTwoPointingAtTheRootProfile()
    {
        var result = await SmartagCli.RunAsync(new Dictionary<string, string?>(), "DescribeRegions");

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("no access key", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("opensag-data/root-profile.json", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoServer_ExitsOneSayingItCannotReachTheApi()
    {
        var result = await SmartagCli.RunAsync(new Dictionary<string, string?>
        {
            ["OPENSAG_ENDPOINT"] = "http://127.0.0.1:9",
            ["OPENSAG_ACCESS_KEY_ID"] = "id",
            ["OPENSAG_ACCESS_KEY_SECRET"] = "secret",
        }, "DescribeSmartAccessGateways", "--RegionId", "cn-shanghai");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("cannot reach the API", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Usage_KickOutClients_ListsItsParametersFromTheCatalogue()
    {
        var result = await SmartagCli.RunAsync(Server, "KickOutClients", "--usage");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("--Username", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("--SmartAGId", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("--UserName ", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Usage_CreateSmartAccessGatewayClientUser_ShowsEachParametersRule()
    {
        var result = await SmartagCli.RunAsync(Server, "CreateSmartAccessGatewayClientUser", "--usage");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Rule: 7–33 characters: letters A–Z a–z, digits, _ @ . -, starting with a letter or digit (else ClientUser.NameInvalid)", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("Rule: 1–20000 (else ClientUser.BandwidthInvalid)", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("Rule: 8–32 characters: letters A–Z a–z, digits, _ @ -, starting with a letter or digit (else InvalidPassword)", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Usage_AllowedValuesAndListLimits_ShownFromTheCatalogue()
    {
        var create = await SmartagCli.RunAsync(Server, "CreateSmartAccessGatewaySoftware", "--usage");
        var statistics = await SmartagCli.RunAsync(Server, "DescribeUserOnlineClientStatistics", "--usage");

        Assert.True(create.ExitCode == 0, create.ToString());
        Assert.Contains("Rule: one of 1–9, 12, 24, 36 (else InvalidPeriod)", create.Stdout, StringComparison.Ordinal);
        Assert.Contains("Rule: PREPAY (else InvalidChargeType)", create.Stdout, StringComparison.Ordinal);
        Assert.True(statistics.ExitCode == 0, statistics.ToString());
        Assert.Contains("Rule: up to 50 items, each up to 64 characters (else ClientUser.NameInvalid)", statistics.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Usage_DescribeSmartAccessGatewayClientUsers_ShowsTheDeclaredAnswerWithItsListShape()
    {
        var result = await SmartagCli.RunAsync(Server, "DescribeSmartAccessGatewayClientUsers", "--usage");

        Assert.True(result.ExitCode == 0, result.ToString());
        var answer = result.Stdout[result.Stdout.IndexOf("Answers:", StringComparison.Ordinal)..].ReplaceLineEndings("\n");
        Assert.StartsWith("Answers:\n  RequestId: String\n  TotalCount: Integer\n  PageNumber: Integer\n  PageSize: Integer\n  Users: Users.User[] of objects\n    UserName: String\n", answer, StringComparison.Ordinal);
        Assert.Contains("    IsStaticIp: Long\n", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoAction_ListsEveryAction()
    {
        var result = await SmartagCli.RunAsync(Server);

        Assert.True(result.ExitCode == 0, result.ToString());
        foreach (var action in new[] { "KickOutClients", "CreateSmartAccessGatewaySoftware", "DescribeUserFlowStatistics", "RoamClientUser" })
        {
            Assert.Contains(action, result.Stdout, StringComparison.Ordinal);
        }
    }

    private async Task<string> CreateInstanceWithCidrAsync()
    {
        var created = await SmartagCli.RunAsync(Server, "CreateSmartAccessGatewaySoftware", "--RegionId", "cn-shanghai", "--ChargeType", "PREPAY",
            "--Period", "12", "--UserCount", "50", "--DataPlan", "5", "--AutoPay", "true");
        Assert.True(created.ExitCode == 0, created.ToString());
        var sag = created.Json.GetProperty("SmartAGId").GetString()!;
        Assert.Matches("^sag-[a-z0-9]{20}$", sag);

        var modified = await SmartagCli.RunAsync(Server, "ModifySmartAccessGateway", "--RegionId", "cn-shanghai", "--SmartAGId", sag, "--CidrBlock", "10.10.0.0/24");
        Assert.True(modified.ExitCode == 0, modified.ToString());
        return sag;
    }
}
