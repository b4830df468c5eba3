namespace OpenSag.AccessControl;

/// <summary>
/// A rule's port range as the API writes it: <c>start/end</c> with 1 ≤ start ≤ end ≤ 65535, or <c>-1/-1</c> for every
/// port (spec/smartag-acl-and-more.md §1.1 "Protocol and ports", §1.2). <c>-1/-1</c> and <c>1/65535</c> parse to the
/// same range; the rule keeps its text as sent, so the parsed value is only ever used to validate and to match.
/// </summary>
public readonly record struct AclPortRange
{
    /// <summary>The highest TCP/UDP port.</summary>
    public const int MaxPort = 65535;

    private AclPortRange(int first, int last)
    {
        First = first;
        Last = last;
    }

    /// <summary>Every port: what <c>-1/-1</c> means.</summary>
    public static AclPortRange AllPorts { get; } = new(1, MaxPort);

    /// <summary>The lowest port in the range, 1–65535.</summary>
    public int First { get; }

    /// <summary>The highest port in the range, <see cref="First"/>–65535.</summary>
    public int Last { get; }

    /// <summary>
    /// True for <c>-1/-1</c> and <c>1/65535</c>. Such a range matches any packet, port 0 and packets whose ports
    /// cannot be read (a non-first fragment) included, since it constrains nothing.
    /// </summary>
    public bool IsAllPorts => First == 1 && Last == MaxPort;

    /// <summary>Whether <paramref name="port"/> is inside the range (any value for an all-ports range).</summary>
    public bool Contains(int port) => IsAllPorts || (port >= First && port <= Last);

    /// <summary>
    /// Parses <c>start/end</c> (decimal digits only, no sign, no spaces) or exactly <c>-1/-1</c>. False for anything
    /// else: a missing part, 0, a port above 65535, start above end, a single <c>-1</c>.
    /// </summary>
    public static bool TryParse(string? text, out AclPortRange range)
    {
        range = default;
        if (text is null)
        {
            return false;
        }

        if (text == "-1/-1")
        {
            range = AllPorts;
            return true;
        }

        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || !TryParsePort(text.AsSpan(0, slash), out var first) || !TryParsePort(text.AsSpan(slash + 1), out var last)
            || first > last)
        {
            return false;
        }

        range = new AclPortRange(first, last);
        return true;
    }

    /// <inheritdoc/>
    public override string ToString() => IsAllPorts ? "-1/-1" : $"{First}/{Last}";

    // 1–65535 in at most 5 decimal digits (so the sum cannot overflow); a leading zero is read as decimal, as
    // Java's Integer.parseInt on the cloud side would.
    private static bool TryParsePort(ReadOnlySpan<char> text, out int port)
    {
        port = 0;
        if (text.Length is 0 or > 5)
        {
            return false;
        }

        foreach (var c in text)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }

            port = port * 10 + (c - '0');
        }

        return port is >= 1 and <= MaxPort;
    }
}
