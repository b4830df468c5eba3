using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.AppApi;

/// <summary>UpdateSmartAGUserAccelerateConfig over HTTP (spec/smartag-api.md §1.19, spec/smartag-acl-and-more.md §2.2).</summary>
[Collection(SharedConformanceServer.Name)]
public sealed class AccelerateConfigTests(ConformanceServerFixture fixture) : IDisposable
{
    private const string User = "acceluser1";
    private readonly AppApiCalls _api = new(fixture.Server);

    public void Dispose() => _api.Dispose();

    [Fact]
    public async Task UpdateAccelerateConfig_Valid_ReadBackAsAccelerateBandwidth()
    {
        var sag = await ReadyAsync();

        var body = await _api.OkAsync("UpdateSmartAGUserAccelerateConfig", ("SmartAGId", sag), ("UserName", User), ("Bandwidth", "3000"));

        Assert.Equal(["RequestId"], body.EnumerateObject().Select(p => p.Name));
        Assert.Equal(3000, await AccelerateBandwidthAsync(sag));
    }

    [Fact]
    public async Task UpdateAccelerateConfig_DryRun_DryRunOperationAndNothingWritten()
    {
        var sag = await ReadyAsync();

        var message = await _api.RefusedAsync(400, "DryRunOperation", "UpdateSmartAGUserAccelerateConfig", ("SmartAGId", sag), ("UserName", User),
            ("Bandwidth", "3000"), ("DryRun", "true"));

        Assert.Equal("Request validation has been passed with DryRun flag set.", message);
        Assert.Equal(0, await AccelerateBandwidthAsync(sag));
    }

    [Fact]
    public async Task UpdateAccelerateConfig_DryRunOfAFailingCall_ThatCallsError()
    {
        var sag = await ReadyAsync();

        await _api.RefusedAsync(400, "ResourceNotFound.User", "UpdateSmartAGUserAccelerateConfig", ("SmartAGId", sag), ("UserName", "nosuchuser1"),
            ("Bandwidth", "3000"), ("DryRun", "true"));
    }

    [Fact]
    public async Task UpdateAccelerateConfig_UnknownInstance_404ResourceNotFound()
    {
        var message = await _api.RefusedAsync(404, "ResourceNotFound.SmartAccessGateway", "UpdateSmartAGUserAccelerateConfig", ("SmartAGId", "sag-doesnotexist00000000"),
            ("UserName", User), ("Bandwidth", "3000"));

        Assert.Equal("The specified resource of sag-doesnotexist00000000 is not found.", message);
    }

    [Fact]
    public async Task UpdateAccelerateConfig_UnknownUser_ResourceNotFoundUser()
    {
        var sag = await ReadyAsync();

        var message = await _api.RefusedAsync(400, "ResourceNotFound.User", "UpdateSmartAGUserAccelerateConfig", ("SmartAGId", sag), ("UserName", "nosuchuser1"), ("Bandwidth", "3000"));

        Assert.Equal("The specified user is not found.", message);
    }

    [Fact]
    public async Task UpdateAccelerateConfig_AboveTheInstancePeak_BandwidthExceeded()
    {
        var sag = await ReadyAsync();

        var message = await _api.RefusedAsync(400, "OperationDenied.BandwidthExceeded", "UpdateSmartAGUserAccelerateConfig", ("SmartAGId", sag), ("UserName", User),
            ("Bandwidth", "20001"));

        Assert.Equal("The total bandwidth exceeds the limit. The operation is denied.", message);
        Assert.Equal(0, await AccelerateBandwidthAsync(sag));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("fast")]
    public async Task UpdateAccelerateConfig_BandwidthNotPositive_InvalidBandwidth(string bandwidth)
    {
        var sag = await ReadyAsync();

        await _api.RefusedAsync(400, "InvalidBandwidth", "UpdateSmartAGUserAccelerateConfig", ("SmartAGId", sag), ("UserName", User), ("Bandwidth", bandwidth));
    }

    [Fact]
    public async Task UpdateAccelerateConfig_BandwidthMissing_MissingBandwidth()
    {
        var sag = await ReadyAsync();

        await _api.RefusedAsync(400, "MissingBandwidth", "UpdateSmartAGUserAccelerateConfig", ("SmartAGId", sag), ("UserName", User));
    }

    private async Task<string> ReadyAsync()
    {
        var sag = await _api.CreateInstanceAsync();
        await _api.CreateUserAsync(sag, User);
        return sag;
    }

    private async Task<long> AccelerateBandwidthAsync(string sag)
    {
        var body = await _api.OkAsync("DescribeSmartAccessGatewayClientUsers", ("SmartAGId", sag), ("UserName", User));
        return body.GetProperty("Users").GetProperty("User")[0].GetProperty("AccelerateBandwidth").GetInt64();
    }
}
