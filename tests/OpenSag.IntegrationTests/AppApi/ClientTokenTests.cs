using System.Text.Json;
using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.AppApi;

/// <summary>
/// ClientToken over HTTP (issue 12 item 5): a call repeated with its token and parameters gets the first answer
/// again and acts once, also when the repeats are concurrent or the server restarted in between.
/// </summary>
[Collection(SharedConformanceServer.Name)]
public sealed class ClientTokenTests(ConformanceServerFixture fixture) : IDisposable
{
    private readonly AppApiCalls _api = new(fixture.Server);

    public void Dispose() => _api.Dispose();

    [Fact]
    public async Task CreateEnterpriseCode_RepeatedWithToken_FirstAnswerAgainActedOnce()
    {
        var code = AppApiCalls.NewEnterpriseCode();
        var token = Guid.NewGuid().ToString();

        var first = await _api.OkAsync("CreateEnterpriseCode", ("EnterpriseCode", code), ("ClientToken", token));
        var again = await _api.OkAsync("CreateEnterpriseCode", ("EnterpriseCode", code), ("ClientToken", token));

        // Had the repeat acted, the code would have been taken: EnterpriseCode.BeenOccupied.
        Assert.Equal(first.GetProperty("RequestId").GetString(), again.GetProperty("RequestId").GetString());
        Assert.Equal(1, (await _api.OkAsync("ListEnterpriseCode")).GetProperty("TotalCount").GetInt32());
    }

    [Fact]
    public async Task CreateEnterpriseCode_SameTokenOtherParameters_IdempotentParameterMismatch()
    {
        var token = Guid.NewGuid().ToString();
        await _api.OkAsync("CreateEnterpriseCode", ("EnterpriseCode", AppApiCalls.NewEnterpriseCode()), ("ClientToken", token));

        var message = await _api.RefusedAsync(400, "IdempotentParameterMismatch", "CreateEnterpriseCode", ("EnterpriseCode", AppApiCalls.NewEnterpriseCode()), ("ClientToken", token));

        Assert.Equal("Request uses a client token in a previous request but is not identical to that request.", message);
        Assert.Equal(1, (await _api.OkAsync("ListEnterpriseCode")).GetProperty("TotalCount").GetInt32());
    }

    [Fact]
    public async Task CreateEnterpriseCode_SameTokenOtherAction_EachActs()
    {
        var code = AppApiCalls.NewEnterpriseCode();
        var token = Guid.NewGuid().ToString();
        await _api.OkAsync("CreateEnterpriseCode", ("EnterpriseCode", code), ("ClientToken", token));

        await _api.OkAsync("DeleteEnterpriseCode", ("EnterpriseCode", code), ("ClientToken", token));

        Assert.Equal(0, (await _api.OkAsync("ListEnterpriseCode")).GetProperty("TotalCount").GetInt32());
    }

    [Fact]
    public async Task CreateEnterpriseCode_ConcurrentRepeats_ActOnceAllAnsweredAlike()
    {
        var code = AppApiCalls.NewEnterpriseCode();
        var token = Guid.NewGuid().ToString();

        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => _api.CallAsync("CreateEnterpriseCode", ("EnterpriseCode", code), ("ClientToken", token))));

        Assert.All(answers, a => Assert.True(a.Status == 200, $"answered {a.Status}: {a.Body}"));
        Assert.Single(answers.Select(a => a.Body.GetProperty("RequestId").GetString()).Distinct());
        Assert.Equal(1, (await _api.OkAsync("ListEnterpriseCode")).GetProperty("TotalCount").GetInt32());
    }

    [Fact]
    public async Task DeleteEnterpriseCode_FirstCallRefused_RetryWithTheTokenActs()
    {
        var code = AppApiCalls.NewEnterpriseCode();
        var token = Guid.NewGuid().ToString();
        await _api.RefusedAsync(400, "EnterpriseCode.NotExist", "DeleteEnterpriseCode", ("EnterpriseCode", code), ("ClientToken", token));
        await _api.OkAsync("CreateEnterpriseCode", ("EnterpriseCode", code));

        await _api.OkAsync("DeleteEnterpriseCode", ("EnterpriseCode", code), ("ClientToken", token));

        Assert.Equal(0, (await _api.OkAsync("ListEnterpriseCode")).GetProperty("TotalCount").GetInt32());
    }

    [Fact]
    public async Task CreateEnterpriseCode_RepeatAskedAsXml_FirstAnswerInXml()
    {
        var code = AppApiCalls.NewEnterpriseCode();
        var token = Guid.NewGuid().ToString();
        var first = await _api.OkAsync("CreateEnterpriseCode", ("EnterpriseCode", code), ("ClientToken", token));

        var (status, xml) = await _api.CallXmlAsync("CreateEnterpriseCode", ("EnterpriseCode", code), ("ClientToken", token));

        Assert.Equal(200, status);
        Assert.Equal("CreateEnterpriseCode", xml.Root!.Name.LocalName);
        Assert.Equal(first.GetProperty("RequestId").GetString(), xml.Root.Element("RequestId")!.Value);
    }

    [Theory]
    [InlineData("é")]
    [InlineData("tab\there")]
    public async Task CreateEnterpriseCode_TokenNotAscii_InvalidClientToken(string token) =>
        await _api.RefusedAsync(400, "InvalidClientToken.ValueNotSupported", "CreateEnterpriseCode", ("EnterpriseCode", AppApiCalls.NewEnterpriseCode()), ("ClientToken", token));

    [Fact]
    public async Task CreateEnterpriseCode_Token65Characters_InvalidClientToken() =>
        await _api.RefusedAsync(400, "InvalidClientToken.ValueNotSupported", "CreateEnterpriseCode", ("EnterpriseCode", AppApiCalls.NewEnterpriseCode()),
            ("ClientToken", new string('t', 65)));

    [Fact]
    public async Task UpdateAccelerateConfig_RepeatedWithToken_AnsweredWithoutActingAgain()
    {
        var sag = await _api.CreateInstanceAsync();
        await _api.CreateUserAsync(sag, "tokenuser1");
        var token = Guid.NewGuid().ToString();
        var first = await _api.OkAsync("UpdateSmartAGUserAccelerateConfig", ("SmartAGId", sag), ("UserName", "tokenuser1"), ("Bandwidth", "3000"), ("ClientToken", token));
        await _api.OkAsync("UpdateSmartAGUserAccelerateConfig", ("SmartAGId", sag), ("UserName", "tokenuser1"), ("Bandwidth", "4000"));

        var again = await _api.OkAsync("UpdateSmartAGUserAccelerateConfig", ("SmartAGId", sag), ("UserName", "tokenuser1"), ("Bandwidth", "3000"), ("ClientToken", token));

        Assert.Equal(first.GetProperty("RequestId").GetString(), again.GetProperty("RequestId").GetString());
        var users = await _api.OkAsync("DescribeSmartAccessGatewayClientUsers", ("SmartAGId", sag));
        Assert.Equal(4000, users.GetProperty("Users").GetProperty("User")[0].GetProperty("AccelerateBandwidth").GetInt64());
    }

    [Fact]
    public async Task UpdateAccelerateConfig_DryRunWithToken_NotRememberedSoTheRealCallActs()
    {
        var sag = await _api.CreateInstanceAsync();
        await _api.CreateUserAsync(sag, "tokenuser1");
        var token = Guid.NewGuid().ToString();
        await _api.RefusedAsync(400, "DryRunOperation", "UpdateSmartAGUserAccelerateConfig", ("SmartAGId", sag), ("UserName", "tokenuser1"), ("Bandwidth", "3000"),
            ("DryRun", "true"), ("ClientToken", token));

        await _api.RefusedAsync(400, "DryRunOperation", "UpdateSmartAGUserAccelerateConfig", ("SmartAGId", sag), ("UserName", "tokenuser1"), ("Bandwidth", "3000"),
            ("DryRun", "true"), ("ClientToken", token));
    }

    [Fact]
    public async Task CreateEnterpriseCode_RepeatedAfterRestart_FirstAnswerAgain()
    {
        await using var server = await OpenSagServer.StartWithRandomKeysAsync();
        var code = AppApiCalls.NewEnterpriseCode();
        var token = Guid.NewGuid().ToString();
        JsonElement first;
        using (var before = new AppApiCalls(server))
        {
            first = await before.OkAsync("CreateEnterpriseCode", ("RegionId", "cn-shanghai"), ("EnterpriseCode", code), ("ClientToken", token));
        }

        await server.RestartAsync(graceful: false);

        using var after = new AppApiCalls(server);
        var again = await after.OkAsync("CreateEnterpriseCode", ("RegionId", "cn-shanghai"), ("EnterpriseCode", code), ("ClientToken", token));
        Assert.Equal(first.GetProperty("RequestId").GetString(), again.GetProperty("RequestId").GetString());
    }
}
