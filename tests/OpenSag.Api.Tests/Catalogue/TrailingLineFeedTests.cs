using OpenSag.Api.Actions;
using OpenSag.Api.Catalogue;

namespace OpenSag.Api.Tests.Catalogue;

/// <summary>
/// A value that satisfies a pattern rule followed by a line feed is refused. In .NET, <c>$</c> also matches before a
/// final <c>\n</c>, so <c>^…$</c> let "cn-shanghai\n" through as a RegionId (and stored it); the patterns end in
/// <c>\z</c>. tests/OpenSag.IntegrationTests/Source/PatternAnchorTests keeps new patterns from ending in <c>$</c>.
/// </summary>
public sealed class TrailingLineFeedTests
{
    private static readonly Dictionary<string, (ParameterSpec Spec, string Valid)> Rules = new(StringComparer.Ordinal)
    {
        ["RegionId"] = (WireParameters.RegionId, "cn-shanghai"),
        ["UserName"] = (WireParameters.UserName, "doctest01"),
        ["UserMail"] = (WireParameters.UserMail, "doc@example.com"),
        ["CreatePassword"] = (ClientUserActions.CreatePassword, "Passw0rd_1"),
        ["NewPassword"] = (ClientUserActions.NewPassword, "Passw0rd.1"),
        ["InstanceName"] = (InstanceActions.Name, "gateway-1"),
        ["StatisticsDate"] = (SessionActions.StatisticsDate, "202611"),
        ["AclName"] = (AclActions.AclName, "web-servers"),
    };

    public static TheoryData<string> RuleNames => [.. Rules.Keys];

    [Theory]
    [MemberData(nameof(RuleNames))]
    public void PatternRule_ValidValueThenLineFeed_Refused(string rule)
    {
        var (spec, valid) = Rules[rule];
        var constraint = spec.Constraint!;

        Assert.True(constraint.Matches(valid), $"{rule}: the valid sample {valid} must pass");
        Assert.False(constraint.Matches(valid + "\n"), $"{rule}: {valid}\\n passed");
    }
}
