using System.Text.RegularExpressions;
using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.Docs;

/// <summary>
/// Comments and READMEs cite the design (docs/DESIGN.md) and the wire reference (docs/spec/*.md) by section. A citation
/// of a file the repository does not have, or of a section the file does not have, sends a maintainer nowhere (issue 10
/// item 12), so every one is checked against the headings of the file it names.
/// </summary>
public sealed partial class DocReferenceTests
{
    private static readonly string[] SourcePatterns = ["*.cs", "*.csproj", "*.sh", "*.md"];

    [Fact]
    public void Citations_EveryDocumentAndSectionCited_ExistsInDocs()
    {
        var root = RepositoryLayout.RootDirectory;
        var docs = Path.Combine(root, "docs");
        var wrong = new List<string>();
        var cited = 0;
        foreach (var file in SourceFiles(root))
        {
            var lines = File.ReadAllLines(file);
            for (var i = 0; i < lines.Length; i++)
            {
                foreach (Match citation in Citation().Matches(lines[i]))
                {
                    cited++;
                    var document = Path.Combine(docs, citation.Groups["doc"].Value);
                    var where = $"{Path.GetRelativePath(root, file)}:{i + 1}";
                    if (!File.Exists(document))
                    {
                        wrong.Add($"{where} cites {citation.Groups["doc"].Value}, which is not in docs/");
                        continue;
                    }

                    var headings = File.ReadLines(document).Where(l => l.StartsWith('#')).ToList();
                    foreach (Capture section in citation.Groups["section"].Captures)
                    {
                        if (!headings.Any(h => Heading(section.Value).IsMatch(h)))
                        {
                            wrong.Add($"{where} cites {citation.Groups["doc"].Value} §{section.Value}, which has no such section");
                        }
                    }
                }
            }
        }

        Assert.True(cited > 10, $"found only {cited} citations: is the pattern still right?");
        Assert.True(wrong.Count == 0, string.Join('\n', wrong));
    }

    private static IEnumerable<string> SourceFiles(string root) =>
        SourcePatterns.SelectMany(pattern => Directory.EnumerateFiles(root, pattern, SearchOption.AllDirectories))
            .Where(path => !Path.GetRelativePath(root, path).Split(Path.DirectorySeparatorChar)
                .Any(part => part is "bin" or "obj" or "node_modules" or "docs" || part.StartsWith('.')));

    /// <summary>"## 4.", "### 4.1 …", "### 1.6 A / 1.7 B": the section number at the start of a heading.</summary>
    private static Regex Heading(string section) => new($@"^#+\s+(?:.*/\s*)?{Regex.Escape(section)}[.\s]", RegexOptions.CultureInvariant);

    /// <summary>"DESIGN.md §3", "spec/smartag-api.md §2.2, §2.4, §3.1–§3.3": a document and the sections right after it.</summary>
    [GeneratedRegex(@"(?<doc>DESIGN\.md|spec/[A-Za-z0-9_.-]+\.md)(?:(?:\s*(?:,|and|–)?\s*)§(?<section>\d+(?:\.\d+)?))*")]
    private static partial Regex Citation();
}
