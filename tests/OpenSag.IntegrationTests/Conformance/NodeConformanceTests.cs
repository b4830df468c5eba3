using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.Conformance;

/// <summary>
/// The official Alibaba Cloud Node.js SDK clients (@alicloud/pop-core, @alicloud/openapi-client) against the
/// real server: one test per scenario in tests/conformance (see its run.js). Each scenario makes its own
/// region, instances and users, so all of them share one server.
/// </summary>
[Collection(SharedConformanceServer.Name)]
public sealed class NodeConformanceTests(ConformanceServerFixture fixture)
{
    /// <summary>Every scenario of tests/conformance; <see cref="ScenarioList_MatchesRunJs"/> keeps it in step with run.js.</summary>
    public static IReadOnlyList<string> ScenarioNames { get; } =
    [
        "instance-create-and-describe",
        "instance-modify",
        "instance-list-paging",
        "instance-region-isolation",
        "user-create-requires-cidr",
        "user-create-and-describe",
        "user-create-errors",
        "user-list-paging-and-filters",
        "user-modify",
        "user-reset-password",
        "user-delete",
        "user-enable-disable",
        "user-roam",
        "client-user-dns",
        "kickout-success",
        "kickout-errors",
        "online-clients-empty",
        "user-online-statistics",
        "sag-online-statistics",
        "user-flow-statistics",
        "protocol-raw-signing",
        "protocol-xml",
        "protocol-nonce-replay",
        "protocol-expired-timestamp",
        "protocol-wrong-secret",
        "protocol-unknown-access-key",
        "protocol-unknown-action",
        "protocol-missing-parameters",
        "protocol-special-characters",
        "acl-create-describe-modify-delete",
        "acl-errors",
        "acl-amount-limit",
        "acl-xml",
        "acl-rule-add-and-describe",
        "acl-rule-modify-and-delete",
        "acl-rule-errors",
        "acl-rule-limit",
        "acl-associate-and-instance-fields",
        "terraform-acl-flows",
        "terraform-acl-data-source-and-client-user",
        "software-upgrade-downgrade",
        "software-accelerate-config",
        "enterprise-code-lifecycle",
        "enterprise-code-errors",
        "client-token-repeats",
        "describe-regions",
    ];

    public static TheoryData<string> Scenarios { get; } = new(ScenarioNames);

    [Theory]
    [MemberData(nameof(Scenarios))]
    public async Task Scenario_OfficialSdkClients_Passes(string scenario)
    {
        NodeScript.AssertClientsInstalled();

        using var record = new CoverageRecord();
        var result = await NodeScript.RunAsync([scenario], fixture.Server, record.Environment);

        Assert.True(
            result.ExitCode == 0,
            $"Scenario {scenario} failed (node exit code {result.ExitCode}).\n--- node output ---\n{result.Output}\n--- server ({fixture.Server}) output, last part ---\n{Tail(fixture.Server.Output)}");
        record.AssertMatchesCoverageFile(scenario);
    }

    [Fact]
    public async Task ScenarioList_MatchesRunJs()
    {
        NodeScript.AssertClientsInstalled();

        var result = await NodeScript.RunAsync(["--list"], server: null);

        Assert.True(result.ExitCode == 0, $"node run.js --list failed ({result.ExitCode}):\n{result.Output}");
        var listed = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Order(StringComparer.Ordinal).ToArray();
        var declared = ScenarioNames.Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(listed, declared);
    }

    private static string Tail(string text, int maxChars = 6000) =>
        text.Length <= maxChars ? text : "…" + text[^maxChars..];
}
