namespace OpenSag.Domain;

/// <summary>One region DescribeRegions lists: its id, its Smartag endpoint and its name in each language asked for.</summary>
public sealed record Region(string RegionId, string RegionEndpoint, string ChineseName, string EnglishName, string JapaneseName)
{
    /// <summary>The name in <paramref name="language"/> (one of <see cref="Regions.Languages"/>); Chinese by default, as the cloud's.</summary>
    public string LocalName(string? language) => language?.ToLowerInvariant() switch
    {
        "en-us" => EnglishName,
        "ja" => JapaneseName,
        _ => ChineseName,
    };
}

/// <summary>
/// The regions of the Smartag API: the ten of the endpoints page and of the SDK's endpoint map, which agree
/// (spec/smartag-acl-and-more.md §3.1). A self-hosted server serves every region from one place, so each keeps the
/// cloud's endpoint name only as the answer SDK users expect. English names are the endpoints page's; only
/// cn-shanghai's Chinese name is confirmed (<c>华东2(上海)</c>, whose ASCII parentheses the others follow), the other
/// Chinese and the Japanese names are the console's as far as we know them.
/// </summary>
public static class Regions
{
    /// <summary>The AcceptLanguage values the cloud documents (compared without regard to letter case); zh-CN is the default.</summary>
    public static readonly IReadOnlyList<string> Languages = ["zh-CN", "en-US", "ja"];

    public static readonly IReadOnlyList<Region> All =
    [
        new("cn-hangzhou", Endpoint("cn-hangzhou"), "华东1(杭州)", "China (Hangzhou)", "中国 (杭州)"),
        new("cn-shanghai", Endpoint("cn-shanghai"), "华东2(上海)", "China (Shanghai)", "中国 (上海)"),
        new("cn-hongkong", Endpoint("cn-hongkong"), "中国(香港)", "China (Hong Kong)", "中国 (香港)"),
        new("ap-southeast-1", Endpoint("ap-southeast-1"), "新加坡", "Singapore", "シンガポール"),
        new("ap-southeast-2", Endpoint("ap-southeast-2"), "澳大利亚(悉尼)", "Australia (Sydney)", "オーストラリア (シドニー)"),
        new("ap-southeast-3", Endpoint("ap-southeast-3"), "马来西亚(吉隆坡)", "Malaysia (Kuala Lumpur)", "マレーシア (クアラルンプール)"),
        new("ap-southeast-5", Endpoint("ap-southeast-5"), "印度尼西亚(雅加达)", "Indonesia (Jakarta)", "インドネシア (ジャカルタ)"),
        new("ap-northeast-1", Endpoint("ap-northeast-1"), "日本(东京)", "Japan (Tokyo)", "日本 (東京)"),
        new("eu-central-1", Endpoint("eu-central-1"), "德国(法兰克福)", "Germany (Frankfurt)", "ドイツ (フランクフルト)"),
        new("cn-shanghai-finance-1", Endpoint("cn-shanghai-finance-1"), "华东2 金融云", "China East 2 Finance", "中国東部 2 金融"),
    ];

    public static bool IsLanguage(string value) => Languages.Contains(value, StringComparer.OrdinalIgnoreCase);

    private static string Endpoint(string regionId) => "smartag." + regionId + ".aliyuncs.com";
}
