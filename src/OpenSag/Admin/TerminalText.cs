using System.Globalization;
using System.Text;
using OpenSag.Cli.Serve;

namespace OpenSag.Cli.Admin;

/// <summary>
/// Values from the API as a terminal may show them. A value is whatever a caller stored (an instance's Name or
/// Description accepts any text but C0 controls, so a C1 CSI, a bidirectional override or a zero-width character
/// can reach the screen), and a terminal acts on control sequences instead of printing them; so every character
/// that could move the cursor, recolour, retitle the window or hide text is written as an escape, as the server's
/// log does (<see cref="EscapingConsoleFormatter"/>: the backslash doubled, <c>\n</c>, <c>\x9B</c>, <c>\u202E</c>).
/// </summary>
internal static class TerminalText
{
    /// <summary><paramref name="value"/> with every control, format and separator character escaped.</summary>
    public static string Escape(string value)
    {
        var text = new StringBuilder(value.Length);
        EscapingConsoleFormatter.AppendEscaped(text, value);
        return text.ToString();
    }

    /// <summary>
    /// A JSON or XML answer with every hidden character (as <see cref="Escape"/> sees them) but tab, LF and CR written
    /// as <paramref name="reference"/> makes it (<c>\u202E</c> in JSON, <c>&amp;#x202E;</c> in XML): the same document
    /// to a parser, since such characters can only stand inside string values, and plain text to a terminal.
    /// </summary>
    public static string EscapeDocument(string document, Func<int, string> reference)
    {
        var text = new StringBuilder(document.Length);
        foreach (var rune in document.EnumerateRunes())
        {
            if (rune.Value is not ('\t' or '\n' or '\r') && IsHidden(rune))
            {
                text.Append(reference(rune.Value));
            }
            else
            {
                text.Append(rune.ToString());
            }
        }

        return text.ToString();
    }

    /// <summary>A JSON string escape of <paramref name="codePoint"/> (a surrogate pair beyond the BMP).</summary>
    public static string JsonReference(int codePoint) =>
        string.Concat(new Rune(codePoint).ToString().Select(unit => $"\\u{(int)unit:X4}"));

    /// <summary>An XML character reference to <paramref name="codePoint"/>.</summary>
    public static string XmlReference(int codePoint) => $"&#x{codePoint:X};";

    /// <summary>
    /// The columns <paramref name="value"/> (already escaped) takes on a terminal: two for East Asian wide and
    /// fullwidth characters (DescribeRegions' <c>LocalName</c> is Chinese by default), none for combining marks,
    /// one for the rest. The ranges are the Wide/Fullwidth blocks of Unicode's EastAsianWidth.txt that hold
    /// assigned letters and symbols; an emoji may still take two where this counts one, which only shifts the
    /// columns after it.
    /// </summary>
    public static int Width(string value)
    {
        var width = 0;
        foreach (var rune in value.EnumerateRunes())
        {
            width += Rune.GetUnicodeCategory(rune) is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark ? 0
                : IsWide(rune.Value) ? 2
                : 1;
        }

        return width;
    }

    private static bool IsHidden(Rune rune) => Rune.GetUnicodeCategory(rune) is
        UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;

    private static bool IsWide(int c) =>
        c is (>= 0x1100 and <= 0x115F) or (>= 0x2E80 and <= 0x303E) or (>= 0x3041 and <= 0x33FF) or (>= 0x3400 and <= 0x4DBF)
            or (>= 0x4E00 and <= 0x9FFF) or (>= 0xA000 and <= 0xA4CF) or (>= 0xAC00 and <= 0xD7A3) or (>= 0xF900 and <= 0xFAFF)
            or (>= 0xFE30 and <= 0xFE4F) or (>= 0xFF00 and <= 0xFF60) or (>= 0xFFE0 and <= 0xFFE6) or (>= 0x1F300 and <= 0x1F64F)
            or (>= 0x1F900 and <= 0x1F9FF) or (>= 0x20000 and <= 0x3FFFD);
}
