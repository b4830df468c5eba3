using OpenSag.Api.Actions;
using OpenSag.Api.Catalogue;
using OpenSag.IntegrationTests.Conformance;
using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.Docs;

/// <summary>
/// docs/api-coverage.md is <see cref="ApiCoverageTable"/>'s page for the catalogue and tests/conformance/coverage.json:
/// an action, parameter, rule, answer field or error changed in code, or a scenario whose client calls changed, and not
/// in the page fails here. With OPENSAG_UPDATE_DOCS=1 the test rewrites the page instead.
/// </summary>
public sealed class ApiCoverageDocTests
{
    private static string PagePath => Path.Combine(RepositoryLayout.RootDirectory, "docs", "api-coverage.md");

    [Fact]
    public void ApiCoveragePage_IsTheCataloguesPage()
    {
        var coverage = ConformanceCoverage.Parse(File.ReadAllText(CoverageRecord.CoverageFile));
        var expected = ApiCoverageTable.Markdown(SmartagActions.CreateTable(), coverage);

        if (Environment.GetEnvironmentVariable("OPENSAG_UPDATE_DOCS") == "1")
        {
            File.WriteAllText(PagePath, expected);
            return;
        }

        var actual = File.Exists(PagePath) ? File.ReadAllText(PagePath).ReplaceLineEndings("\n") : "";
        Assert.True(actual == expected,
            "docs/api-coverage.md differs from the catalogue; rerun this test with OPENSAG_UPDATE_DOCS=1 to rewrite it (after the conformance tests, if a scenario changed).");
    }

    [Fact]
    public void CoverageFile_EveryScenario_IsAConformanceScenario()
    {
        // A scenario renamed or removed would otherwise keep claiming clients for its actions.
        var coverage = ConformanceCoverage.Parse(File.ReadAllText(CoverageRecord.CoverageFile));

        Assert.Empty(coverage.Scenarios.Except(NodeConformanceTests.ScenarioNames));
    }
}
