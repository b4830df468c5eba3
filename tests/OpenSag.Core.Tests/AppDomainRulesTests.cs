using OpenSag.Domain;

namespace OpenSag.Core.Tests;

/// <summary>The domain rules behind issue 12 item 5: enterprise-code format, resize sizes and region names.</summary>
public class AppDomainRulesTests
{
    [Theory]
    [InlineData("ab123", true)]
    [InlineData("A1b2C", true)]
    [InlineData("1234a", true)]
    [InlineData("abcde", false)]
    [InlineData("12345", false)]
    [InlineData("ab12", false)]
    [InlineData("ab1234", false)]
    [InlineData("ab 12", false)]
    [InlineData("ab-12", false)]
    [InlineData("ab１23", false)]
    [InlineData("äb123", false)]
    public void EnterpriseCode_IsWellFormed_FiveAsciiLettersAndDigitsWithBoth(string code, bool expected) =>
        Assert.Equal(expected, EnterpriseCode.IsWellFormed(code));

    [Theory]
    [InlineData(5, true)]
    [InlineData(1000, true)]
    [InlineData(0, false)]
    [InlineData(4, false)]
    [InlineData(12, false)]
    [InlineData(1005, false)]
    [InlineData(-5, false)]
    public void InstanceSize_IsValidUserCount_MultiplesOf5From5To1000(int userCount, bool expected) =>
        Assert.Equal(expected, InstanceSize.IsValidUserCount(userCount));

    [Fact]
    public void Regions_All_TheTenOfTheEndpointMapWithTheirEndpoints()
    {
        Assert.Equal(10, Regions.All.Count);
        Assert.All(Regions.All, r => Assert.Equal($"smartag.{r.RegionId}.aliyuncs.com", r.RegionEndpoint));
        Assert.Equal(Regions.All.Count, Regions.All.Select(r => r.RegionId).Distinct().Count());
    }

    [Theory]
    [InlineData(null, "华东2(上海)")]
    [InlineData("zh-CN", "华东2(上海)")]
    [InlineData("en-US", "China (Shanghai)")]
    [InlineData("EN-US", "China (Shanghai)")]
    [InlineData("ja", "中国 (上海)")]
    public void Region_LocalName_InTheLanguageAskedForChineseByDefault(string? language, string expected) =>
        Assert.Equal(expected, Regions.All.Single(r => r.RegionId == "cn-shanghai").LocalName(language));

    [Theory]
    [InlineData("zh-CN", true)]
    [InlineData("en-us", true)]
    [InlineData("JA", true)]
    [InlineData("fr-FR", false)]
    [InlineData("", false)]
    public void Regions_IsLanguage_TheThreeDocumentedAnyCase(string value, bool expected) => Assert.Equal(expected, Regions.IsLanguage(value));
}
