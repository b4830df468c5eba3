using OpenSag.Api.Actions;
using OpenSag.Api.Catalogue;
using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.Docs;

/// <summary>
/// README.md's table of parameter rules is the catalogue's (<see cref="ParameterRuleTable"/>): a rule changed in
/// code and not in the README fails here. With OPENSAG_UPDATE_DOCS=1 the test rewrites the table instead.
/// </summary>
public sealed class ParameterRuleDocTests
{
    [Fact]
    public void Readme_ParameterRuleTable_IsTheCataloguesTable()
    {
        var path = Path.Combine(RepositoryLayout.RootDirectory, "README.md");
        var readme = File.ReadAllText(path).ReplaceLineEndings("\n");
        var begin = readme.IndexOf(ParameterRuleTable.BeginMarker + "\n", StringComparison.Ordinal);
        var end = readme.IndexOf(ParameterRuleTable.EndMarker, StringComparison.Ordinal);
        Assert.True(begin >= 0 && end > begin, $"README.md has no section between '{ParameterRuleTable.BeginMarker}' and '{ParameterRuleTable.EndMarker}'");
        var start = begin + ParameterRuleTable.BeginMarker.Length + 1;
        var expected = ParameterRuleTable.Markdown(SmartagActions.CreateTable());

        if (Environment.GetEnvironmentVariable("OPENSAG_UPDATE_DOCS") == "1")
        {
            File.WriteAllText(path, readme[..start] + expected + readme[end..]);
            return;
        }

        Assert.True(readme[start..end] == expected,
            $"README.md's parameter rules differ from the catalogue; rerun this test with OPENSAG_UPDATE_DOCS=1 to rewrite them, or replace them with:\n{expected}");
    }
}
