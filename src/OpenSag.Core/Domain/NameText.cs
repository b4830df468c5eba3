using System.Text;

namespace OpenSag.Domain;

/// <summary>
/// The character rules of the cloud's resource names and descriptions ("starts with a letter or a Chinese character;
/// letters, Chinese characters, digits, <c>.</c> <c>_</c> <c>-</c>"), judged per Unicode scalar value (<see cref="Rune"/>),
/// not per UTF-16 unit: a Chinese character beyond the Basic Multilingual Plane (CJK Extensions B–H, e.g. 𠮷 U+20BB7)
/// is a surrogate pair in UTF-16, which <c>\p{L}</c> or <see cref="char.IsLetter(char)"/> on single units never
/// matches. Lengths are not checked here: callers count UTF-16 units, as the cloud's Java <c>String.length()</c> does.
/// </summary>
public static class NameText
{
    /// <summary>
    /// A letter of any script first (Unicode category L), then letters, ASCII digits, <c>.</c> <c>_</c> <c>-</c>;
    /// false for an empty value and for an unpaired surrogate (read as U+FFFD, which is no letter).
    /// </summary>
    public static bool IsLetterLedName(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var first = true;
        foreach (var rune in value.EnumerateRunes())
        {
            if (!Rune.IsLetter(rune) && (first || rune.Value is not ((>= '0' and <= '9') or '.' or '_' or '-')))
            {
                return false;
            }

            first = false;
        }

        return !first;
    }

    /// <summary>Whether the value's first character (a whole surrogate pair, if it is one) is a letter of any script.</summary>
    public static bool StartsWithLetter(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return Rune.DecodeFromUtf16(value, out var rune, out _) == System.Buffers.OperationStatus.Done && Rune.IsLetter(rune);
    }
}
