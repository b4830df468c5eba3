using OpenSag.Api.Catalogue;

namespace OpenSag.Api.Tests.Catalogue;

/// <summary>The conformance record (clients.js) and tests/conformance/coverage.json that docs/api-coverage.md is made from.</summary>
public sealed class ConformanceCoverageTests
{
    private static readonly string[] Record =
    [
        """{"action":"KickOutClients","client":"openapi-v2","outcome":"answer"}""",
        """{"action":"KickOutClients","client":"pop-get","outcome":"answer"}""",
        """{"action":"KickOutClients","client":"pop-get","outcome":"error"}""",
        """{"action":"CreateSmartAccessGatewaySoftware","client":"pop-post","outcome":"answer"}""",
        "",
    ];

    [Fact]
    public void ReadRecord_CallsOfOneScenario_ClientsPerActionAndOutcome()
    {
        var calls = ConformanceCoverage.ReadRecord(Record);

        Assert.Equal(["pop-get", "openapi-v2"], calls["KickOutClients"].Answers.OrderBy(c => c == "pop-get" ? 0 : 1));
        Assert.Equal(["pop-get"], calls["KickOutClients"].Errors);
        Assert.Empty(calls["CreateSmartAccessGatewaySoftware"].Errors);
    }

    [Fact]
    public void ToJson_ParsedBack_SameCallsAndSameText()
    {
        var coverage = ConformanceCoverage.Parse("{}");
        coverage.Set("kickout", ConformanceCoverage.ReadRecord(Record));
        coverage.Set("empty", ConformanceCoverage.ReadRecord([]));

        var json = coverage.ToJson();
        var again = ConformanceCoverage.Parse(json);

        Assert.True(ConformanceCoverage.SameCalls(coverage.Scenario("kickout"), again.Scenario("kickout")));
        Assert.Equal(json, again.ToJson());
        Assert.Contains("\"KickOutClients\": { \"answers\": [\"pop-get\", \"openapi-v2\"], \"errors\": [\"pop-get\"] }", json, StringComparison.Ordinal);
    }

    [Fact]
    public void SameCalls_ClientMissingOrScenarioAbsent_False()
    {
        var recorded = ConformanceCoverage.ReadRecord(Record);
        var fewer = ConformanceCoverage.ReadRecord(Record.Skip(1));

        Assert.False(ConformanceCoverage.SameCalls(recorded, fewer));
        Assert.False(ConformanceCoverage.SameCalls(null, recorded));
        Assert.True(ConformanceCoverage.SameCalls(recorded, ConformanceCoverage.ReadRecord(Record.Reverse())));
    }

    [Fact]
    public void Markdown_ActionWithoutScenarios_SaysSoAndLeavesClientCellsBlank()
    {
        var text = ApiCoverageTable.Markdown(OpenSag.Api.Actions.SmartagActions.CreateTable(), ConformanceCoverage.Parse("{}"));

        Assert.Contains("| [KickOutClients](#kickoutclients) | 3 | 0 | 6 |  |  |  |  |", text, StringComparison.Ordinal);
        Assert.Contains("Conformance scenarios: none.", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Markdown_ActionsWithoutOwnerParameters_AreNamedAsExceptionsToTheOwnerNote()
    {
        var table = OpenSag.Api.Actions.SmartagActions.CreateTable();
        var text = ApiCoverageTable.Markdown(table, ConformanceCoverage.Parse("{}"));
        var start = text.IndexOf("Every action", StringComparison.Ordinal);
        var note = text[start..text.IndexOf("also takes `OwnerAccount`", start, StringComparison.Ordinal)];

        Assert.Contains(table.All, a => !a.Parameters.Any(p => p.Name == "OwnerId"));
        foreach (var action in table.All)
        {
            var takesOwner = action.Parameters.Any(p => p.Name == "OwnerId");
            Assert.True(takesOwner != note.Contains($"`{action.Name}`", StringComparison.Ordinal), $"{action.Name}: the owner note says otherwise");
        }
    }
}
