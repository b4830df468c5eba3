using System.Text.RegularExpressions;

namespace OpenSag.IntegrationTests.Docs;

/// <summary>What the README test does with a fenced code block, from the HTML comment on the line above it.</summary>
public enum ReadmeBlockKind
{
    /// <summary><c>&lt;!-- readme-test: run --&gt;</c>: a shell block run to its end with bash; it must exit 0.</summary>
    Run,

    /// <summary>
    /// <c>&lt;!-- readme-test: background until "TEXT" --&gt;</c>: a long-running shell command; it must print a line
    /// starting with TEXT (and, when the block shows a sample <c>#   TEXT…</c> comment, a line of that shape).
    /// </summary>
    Background,

    /// <summary><c>&lt;!-- readme-test: file NAME --&gt;</c>: the block is saved as NAME for the blocks after it.</summary>
    File,

    /// <summary><c>&lt;!-- readme-test: skip (WHY) --&gt;</c>: not run, for the reason given.</summary>
    Skip,
}

/// <summary>A fenced code block of README.md and what its marker says to do with it.</summary>
/// <param name="Line">The 1-based line of the opening fence.</param>
/// <param name="Argument">The file name of a <see cref="ReadmeBlockKind.File"/> block, the awaited text of a
/// <see cref="ReadmeBlockKind.Background"/> one, the reason of a <see cref="ReadmeBlockKind.Skip"/>.</param>
public sealed record ReadmeBlock(int Line, ReadmeBlockKind Kind, string Argument, string Text);

/// <summary>
/// Reads README.md's fenced code blocks with their <c>readme-test</c> markers. A block without a marker is an
/// error: every block is run, or skipped with a reason, on purpose.
/// </summary>
public static partial class ReadmeBlocks
{
    /// <summary>The blocks in order; throws naming each block that has no (valid) marker.</summary>
    public static IReadOnlyList<ReadmeBlock> Parse(string markdown)
    {
        ArgumentNullException.ThrowIfNull(markdown);
        var lines = markdown.Split('\n');
        var blocks = new List<ReadmeBlock>();
        var unmarked = new List<int>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (!lines[i].StartsWith("```", StringComparison.Ordinal))
            {
                continue;
            }

            var start = i;
            var end = Array.FindIndex(lines, start + 1, l => l.TrimEnd() == "```");
            if (end < 0)
            {
                throw new FormatException($"README.md line {start + 1}: the code block is never closed.");
            }

            var text = string.Join('\n', lines[(start + 1)..end]) + "\n";
            var marker = start > 0 ? Marker().Match(lines[start - 1].TrimEnd()) : Match.Empty;
            if (!marker.Success)
            {
                unmarked.Add(start + 1);
            }
            else
            {
                var kind = marker.Groups["kind"].Value switch
                {
                    "run" => ReadmeBlockKind.Run,
                    "background until" => ReadmeBlockKind.Background,
                    "file" => ReadmeBlockKind.File,
                    _ => ReadmeBlockKind.Skip,
                };
                var argument = marker.Groups["quoted"].Success ? marker.Groups["quoted"].Value : marker.Groups["argument"].Value;
                blocks.Add(new ReadmeBlock(start + 1, kind, argument, text));
            }

            i = end;
        }

        return unmarked.Count == 0
            ? blocks
            : throw new FormatException(
                $"README.md code blocks without a <!-- readme-test: run | background until \"TEXT\" | file NAME | skip (WHY) --> line above them, at lines {string.Join(", ", unmarked)}");
    }

    [GeneratedRegex("""^<!-- readme-test: (?:(?<kind>run)|(?<kind>background until) "(?<quoted>[^"]+)"|(?<kind>file) (?<argument>[\w.-]+)|(?<kind>skip) \((?<argument>[^)]+)\)) -->$""")]
    private static partial Regex Marker();
}
