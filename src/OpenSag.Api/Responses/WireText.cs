namespace OpenSag.Api.Responses;

/// <summary>
/// Which text every response format can carry. XML 1.0 allows only <c>#x9 | #xA | #xD | [#x20-#xD7FF] |
/// [#xE000-#xFFFD] | [#x10000-#x10FFFF]</c> (https://www.w3.org/TR/xml/#charsets), not even as a character
/// reference; JSON can escape every code point but UTF-8 cannot encode a lone surrogate. So the other C0 controls
/// (NUL included, which PostgreSQL text refuses too), U+FFFE, U+FFFF and unpaired surrogates are refused at input
/// (<see cref="IndexOfUnanswerable"/>), and anything of that kind already stored is answered with U+FFFD in its
/// place (<see cref="Answerable"/>) rather than failing the whole answer.
/// </summary>
public static class WireText
{
    /// <summary>What stands in, in an answer, for a character no format can carry: U+FFFD REPLACEMENT CHARACTER.</summary>
    public const char Replacement = '\uFFFD';

    /// <summary>The index of the first UTF-16 unit of <paramref name="value"/> that a format cannot carry, or -1.</summary>
    public static int IndexOfUnanswerable(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (IsUnanswerableAt(value, i))
            {
                return i;
            }

            if (char.IsHighSurrogate(value[i]))
            {
                i++; // the pair is whole (checked above); skip its low half
            }
        }

        return -1;
    }

    /// <summary><paramref name="value"/> itself when every format can carry it, else a copy with each unit that cannot replaced by U+FFFD.</summary>
    public static string Answerable(string value)
    {
        var first = IndexOfUnanswerable(value);
        if (first < 0)
        {
            return value;
        }

        var units = value.ToCharArray();
        for (var i = first; i < units.Length; i++)
        {
            if (IsUnanswerableAt(value, i))
            {
                units[i] = Replacement;
            }
            else if (char.IsHighSurrogate(units[i]))
            {
                i++;
            }
        }

        return new string(units);
    }

    private static bool IsUnanswerableAt(string value, int i)
    {
        var c = value[i];
        return c switch
        {
            '\t' or '\n' or '\r' => false,
            < ' ' => true,
            '\uFFFE' or '\uFFFF' => true,
            _ when char.IsHighSurrogate(c) => i + 1 >= value.Length || !char.IsLowSurrogate(value[i + 1]),
            _ when char.IsLowSurrogate(c) => true, // a low half reached here has no high half before it
            _ => false,
        };
    }
}
