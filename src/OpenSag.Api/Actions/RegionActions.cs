using OpenSag.Api.Catalogue;
using OpenSag.Api.Responses;
using OpenSag.Domain;

namespace OpenSag.Api.Actions;

/// <summary>DescribeRegions: spec/smartag-acl-and-more.md §3.1.</summary>
public static class RegionActions
{
    public static readonly ActionDefinition Describe = new(
        "DescribeRegions",
        "Lists the regions, their names in AcceptLanguage and their endpoints. Needs no RegionId (one sent is ignored).",
        [
            // Not required and not checked: the old Go SDK sends its client's region with every call (§3.1).
            new ParameterSpec("RegionId", ParameterKind.String, "Ignored."),
            new ParameterSpec("AcceptLanguage", ParameterKind.String, "Language of LocalName (default zh-CN).")
                .Matching(Regions.IsLanguage, "zh-CN, en-US or ja (any letter case)"),
        ],
        ["Regions.Region[]"],
        (context, _) =>
        {
            var language = context.Arguments.OptionalString("AcceptLanguage");
            return Task.FromResult(new ResponseBody
            {
                { "Regions", new WrappedList("Region", [.. Regions.All.Select(r => Item(r, language))]) },
            });
        });

    public static IEnumerable<ActionDefinition> All => [Describe];

    private static ResponseBody Item(Region region, string? language) => new()
    {
        { "RegionId", region.RegionId },
        { "LocalName", region.LocalName(language) },
        { "RegionEndpoint", region.RegionEndpoint },
    };
}
