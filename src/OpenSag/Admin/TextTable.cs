namespace OpenSag.Cli.Admin;

/// <summary>
/// Rows under a header, each column as wide as its widest cell, two spaces apart, as <c>occtl show users</c> and
/// <c>kubectl get</c> print them. Nothing is cut: a wide value widens its column (a cut value could hide the very
/// difference the reader looks for), and every cell is escaped (<see cref="TerminalText"/>), so a row is one line.
/// </summary>
internal static class TextTable
{
    /// <summary>Writes <paramref name="header"/> and <paramref name="rows"/> (each as many cells as the header) to <paramref name="output"/>.</summary>
    public static void Write(TextWriter output, IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        var lines = rows.Prepend(header).Select(r => r.Select(TerminalText.Escape).ToList()).ToList();
        var widths = Enumerable.Range(0, header.Count).Select(c => lines.Max(l => TerminalText.Width(l[c]))).ToList();
        foreach (var line in lines)
        {
            // The last non-empty cell is not padded: trailing blanks would make every line as long as the longest.
            var last = line.FindLastIndex(cell => cell.Length > 0);
            var cells = line.Take(last + 1).Select((cell, c) => c == last ? cell : cell + new string(' ', widths[c] - TerminalText.Width(cell)));
            output.WriteLine(string.Join("  ", cells));
        }
    }
}
