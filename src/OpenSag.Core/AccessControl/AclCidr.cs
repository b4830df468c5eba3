namespace OpenSag.AccessControl;

/// <summary>
/// A rule's <c>SourceCidr</c>/<c>DestCidr</c>: an IPv4 block <c>a.b.c.d/n</c>, 0 ≤ n ≤ 32. Host bits may be set, as
/// the cloud's own examples do; the match uses the network (the address masked to its prefix).
/// </summary>
public readonly record struct AclCidr
{
    private AclCidr(uint network, int prefixLength)
    {
        Network = network;
        PrefixLength = prefixLength;
    }

    /// <summary><c>0.0.0.0/0</c>: every address.</summary>
    public static AclCidr Everything { get; } = new(0, 0);

    /// <summary>The network address, host-order (as <see cref="Domain.Ipv4.ToUInt32"/> makes it), host bits cleared.</summary>
    public uint Network { get; }

    /// <summary>0–32.</summary>
    public int PrefixLength { get; }

    // A shift by 32 is a shift by 0 in C# (the count is masked to 5 bits), hence the /0 case.
    private uint Mask => PrefixLength == 0 ? 0 : uint.MaxValue << (32 - PrefixLength);

    /// <summary>Whether the host-order IPv4 <paramref name="address"/> is inside the block.</summary>
    public bool Contains(uint address) => (address & Mask) == Network;

    /// <summary>
    /// Parses <c>a.b.c.d/n</c>: four decimal octets 0–255 without leading zeros (inet_pton's rule, so <c>010</c> is
    /// not read as octal by one tool and decimal by another) and a prefix 0–32. False for anything else, IPv6 included.
    /// </summary>
    public static bool TryParse(string? text, out AclCidr cidr)
    {
        cidr = default;
        if (text is null)
        {
            return false;
        }

        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || !TryParseAddress(text.AsSpan(0, slash), out var address)
            || !TryParseDecimal(text.AsSpan(slash + 1), out var prefix) || prefix > 32)
        {
            return false;
        }

        var block = new AclCidr(0, prefix);
        cidr = new AclCidr(address & block.Mask, prefix);
        return true;
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"{Network >> 24}.{(Network >> 16) & 0xFF}.{(Network >> 8) & 0xFF}.{Network & 0xFF}/{PrefixLength}";

    private static bool TryParseAddress(ReadOnlySpan<char> text, out uint address)
    {
        address = 0;
        for (var octet = 0; octet < 4; octet++)
        {
            var dot = text.IndexOf('.');
            if ((dot < 0) != (octet == 3))
            {
                return false;
            }

            var part = dot < 0 ? text : text[..dot];
            if (!TryParseDecimal(part, out var value) || value > 255)
            {
                return false;
            }

            address = address << 8 | (uint)value;
            text = dot < 0 ? [] : text[(dot + 1)..];
        }

        return true;
    }

    // 1–3 decimal digits, no leading zero unless the number is 0.
    private static bool TryParseDecimal(ReadOnlySpan<char> text, out int value)
    {
        value = 0;
        if (text.Length is 0 or > 3 || (text.Length > 1 && text[0] == '0'))
        {
            return false;
        }

        foreach (var c in text)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }

            value = value * 10 + (c - '0');
        }

        return true;
    }
}
