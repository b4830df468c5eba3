using OpenSag.Api.Catalogue;
using OpenSag.Api.Responses;
using OpenSag.Domain;

namespace OpenSag.Api.Actions;

/// <summary>DescribeRegions: spec/smartag-acl-and-more.md §3.1.</summary>
public static class RegionActions
{
    /// <summary>Not required and not checked: the old Go SDK sends its client's region with every call (§3.1).</summary>
    public static readonly Parameter<string?> IgnoredRegionId = Parameter.String("RegionId", "Ignored.");

    public static readonly Parameter<string?> AcceptLanguage = Parameter.String("AcceptLanguage", "Language of LocalName (default zh-CN).")
        .Matching(Regions.IsLanguage, "zh-CN, en-US or ja (any letter case)");

    public static readonly ResponseShape<IReadOnlyList<(Region Region, string? Language)>> Answer = ResponseShape.Of<IReadOnlyList<(Region Region, string? Language)>>()
        .List("Regions", "Region", r => r, ResponseShape.Of<(Region Region, string? Language)>()
            .String("RegionId", r => r.Region.RegionId)
            .String("LocalName", r => r.Region.LocalName(r.Language))
            .String("RegionEndpoint", r => r.Region.RegionEndpoint));

    /// <summary>Needs no service: the regions are a fixed list.</summary>
    public static readonly ActionDefinition Describe = new(
        "DescribeRegions",
        "Lists the regions, their names in AcceptLanguage and their endpoints. Needs no RegionId (one sent is ignored).",
        [IgnoredRegionId, AcceptLanguage],
        Answer,
        _ => (context, _) =>
        {
            var language = context.Get(AcceptLanguage);
            return Task.FromResult(Answer.Write([.. Regions.All.Select(r => (r, language))]));
        });

    public static IEnumerable<ActionDefinition> All => [Describe];
}
