using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.AppApi;

/// <summary>DescribeRegions over HTTP (spec/smartag-acl-and-more.md §3.1).</summary>
[Collection(SharedConformanceServer.Name)]
public sealed class DescribeRegionsTests(ConformanceServerFixture fixture) : IDisposable
{
    private static readonly string[] RegionIds =
    [
        "cn-hangzhou", "cn-shanghai", "cn-hongkong", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-5", "ap-northeast-1",
        "eu-central-1", "cn-shanghai-finance-1",
    ];

    private readonly AppApiCalls _api = new(fixture.Server);

    public void Dispose() => _api.Dispose();

    [Fact]
    public async Task DescribeRegions_NoRegionId_TheTenRegionsInChinese()
    {
        var (status, body) = await _api.CallWithoutRegionAsync("DescribeRegions");

        Assert.True(status == 200, $"answered {status}: {body}");
        var regions = body.GetProperty("Regions").GetProperty("Region").EnumerateArray().ToList();
        Assert.Equal(RegionIds, regions.Select(r => r.GetProperty("RegionId").GetString()));
        var shanghai = regions[1];
        Assert.Equal("华东2(上海)", shanghai.GetProperty("LocalName").GetString());
        Assert.Equal("smartag.cn-shanghai.aliyuncs.com", shanghai.GetProperty("RegionEndpoint").GetString());
    }

    [Theory]
    [InlineData("en-US", "China (Shanghai)")]
    [InlineData("EN-us", "China (Shanghai)")]
    [InlineData("zh-CN", "华东2(上海)")]
    [InlineData("ja", "中国 (上海)")]
    public async Task DescribeRegions_AcceptLanguage_LocalNameInIt(string language, string shanghai)
    {
        var body = await _api.OkAsync("DescribeRegions", ("AcceptLanguage", language));

        var region = body.GetProperty("Regions").GetProperty("Region").EnumerateArray().Single(r => r.GetProperty("RegionId").GetString() == "cn-shanghai");
        Assert.Equal(shanghai, region.GetProperty("LocalName").GetString());
    }

    [Fact]
    public async Task DescribeRegions_RegionIdGiven_IgnoredSameList()
    {
        var body = await _api.OkAsync("DescribeRegions", ("RegionId", "eu-central-1"));

        Assert.Equal(RegionIds, body.GetProperty("Regions").GetProperty("Region").EnumerateArray().Select(r => r.GetProperty("RegionId").GetString()));
    }

    [Fact]
    public async Task DescribeRegions_UnknownLanguage_InvalidAcceptLanguage() =>
        await _api.RefusedAsync(400, "InvalidAcceptLanguage", "DescribeRegions", ("AcceptLanguage", "fr-FR"));

    [Fact]
    public async Task DescribeRegions_Xml_RegionsWrapRegionElements()
    {
        var (status, xml) = await _api.CallXmlAsync("DescribeRegions", ("AcceptLanguage", "en-US"));

        Assert.Equal(200, status);
        Assert.Equal("DescribeRegions", xml.Root!.Name.LocalName);
        var regions = xml.Root.Element("Regions")!.Elements("Region").ToList();
        Assert.Equal(RegionIds, regions.Select(r => r.Element("RegionId")!.Value));
        Assert.Equal("Germany (Frankfurt)", regions[8].Element("LocalName")!.Value);
    }
}
