namespace OpenSag.Domain;

/// <summary>
/// Text that every store and every answer format can hold. XML 1.0 allows only <c>#x9 | #xA | #xD |
/// [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]</c> (https://www.w3.org/TR/xml/#charsets), not even as a
/// character reference; PostgreSQL text refuses NUL; UTF-8 (JSON, SQLite, Npgsql) cannot encode a lone surrogate.
/// So the other C0 controls, U+FFFE, U+FFFF and unpaired surrogates are refused where a caller's value comes in
/// (<see cref="IndexOfUnportable"/>), and where that cannot be done (a value stored by an older version, a client's
/// free-text version string) they are replaced by U+FFFD (<see cref="Portable"/>) rather than failing an answer or
/// a write.
/// </summary>
public static class PortableText
{
    /// <summary>What stands in for a character that cannot be kept: U+FFFD REPLACEMENT CHARACTER.</summary>
    public const char Replacement = '\uFFFD';

    /// <summary>The index of the first UTF-16 unit of <paramref name="value"/> that some store or answer format cannot hold, or -1.</summary>
    public static int IndexOfUnportable(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (IsUnportableAt(value, i))
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

    /// <summary><paramref name="value"/> itself when it is portable, else a copy with each unit that is not replaced by U+FFFD.</summary>
    public static string Portable(string value)
    {
        var first = IndexOfUnportable(value);
        if (first < 0)
        {
            return value;
        }

        var units = value.ToCharArray();
        for (var i = first; i < units.Length; i++)
        {
            if (IsUnportableAt(value, i))
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

    private static bool IsUnportableAt(string value, int i)
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
