using System.Text.RegularExpressions;
using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.Source;

/// <summary>
/// No input pattern in the product ends in <c>$</c>: in .NET it also matches before a final line feed, so a rule
/// written <c>^…$</c> accepts its value followed by "\n" (a RegionId "cn-shanghai\n" was stored). Anchor the end with
/// <c>\z</c>. A scan of the sources, so a pattern added in any project is held to it.
/// </summary>
public sealed partial class PatternAnchorTests
{
    [Fact]
    public void GeneratedRegexPatterns_InEverySourceFile_EndWithBackslashZNotDollar()
    {
        var src = Path.Combine(RepositoryLayout.RootDirectory, "src");
        var patterns = 0;
        var wrong = new List<string>();
        foreach (var file in Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj")))
        {
            foreach (Match match in Pattern().Matches(File.ReadAllText(file)))
            {
                patterns++;
                if (match.Groups["pattern"].Value.EndsWith('$'))
                {
                    wrong.Add($"{Path.GetRelativePath(src, file)}: {match.Value}");
                }
            }
        }

        Assert.True(patterns > 5, $"found only {patterns} patterns: is the scan still right?");
        Assert.True(wrong.Count == 0, "patterns ending in $ (use \\z):\n" + string.Join('\n', wrong));
    }

    /// <summary>The pattern argument of [GeneratedRegex("…")] or [GeneratedRegex(@"…")], up to its closing quote.</summary>
    [GeneratedRegex("""GeneratedRegex\(@?"(?<pattern>(?:[^"\\]|\\.|"")*)"\)""")]
    private static partial Regex Pattern();
}
