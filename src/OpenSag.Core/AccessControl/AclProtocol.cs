namespace OpenSag.AccessControl;

/// <summary>
/// A rule's <c>IpProtocol</c>: <c>ALL</c>, <c>TCP</c>, <c>UDP</c> or <c>ICMP</c> in any letter case (spec
/// §1.1 "Protocol and ports": case-insensitive; the set the console offers), as the IP protocol number it matches.
/// </summary>
public readonly record struct AclProtocol
{
    /// <summary>IP protocol number of ICMP (RFC 792).</summary>
    public const byte IcmpNumber = 1;

    /// <summary>IP protocol number of TCP (RFC 9293).</summary>
    public const byte TcpNumber = 6;

    /// <summary>IP protocol number of UDP (RFC 768).</summary>
    public const byte UdpNumber = 17;

    private AclProtocol(bool isAny, byte number)
    {
        IsAny = isAny;
        Number = number;
    }

    /// <summary><c>ALL</c>: every IP protocol.</summary>
    public static AclProtocol Any { get; } = new(true, 0);

    /// <summary><c>TCP</c>.</summary>
    public static AclProtocol Tcp { get; } = new(false, TcpNumber);

    /// <summary><c>UDP</c>.</summary>
    public static AclProtocol Udp { get; } = new(false, UdpNumber);

    /// <summary><c>ICMP</c>.</summary>
    public static AclProtocol Icmp { get; } = new(false, IcmpNumber);

    /// <summary>True for <c>ALL</c>.</summary>
    public bool IsAny { get; }

    /// <summary>The IP protocol number matched; 0 for <c>ALL</c>.</summary>
    public byte Number { get; }

    /// <summary>
    /// Whether the rule's port ranges constrain what it matches: only for TCP and UDP. For <c>ALL</c> and
    /// <c>ICMP</c> the API requires both ranges to be all ports (acl12 decision), so nothing is lost by ignoring them.
    /// </summary>
    public bool HasPorts => Number is TcpNumber or UdpNumber;

    /// <summary>Whether a packet of IP protocol <paramref name="protocol"/> is of this rule's protocol.</summary>
    public bool Matches(byte protocol) => IsAny || protocol == Number;

    /// <summary>Parses <c>ALL</c>, <c>TCP</c>, <c>UDP</c>, <c>ICMP</c>, any letter case; false for anything else (NotSupportedProtocol).</summary>
    public static bool TryParse(string? text, out AclProtocol protocol)
    {
        protocol = text switch
        {
            _ when string.Equals(text, "ALL", StringComparison.OrdinalIgnoreCase) => Any,
            _ when string.Equals(text, "TCP", StringComparison.OrdinalIgnoreCase) => Tcp,
            _ when string.Equals(text, "UDP", StringComparison.OrdinalIgnoreCase) => Udp,
            _ when string.Equals(text, "ICMP", StringComparison.OrdinalIgnoreCase) => Icmp,
            _ => default,
        };
        return protocol != default;
    }

    /// <inheritdoc/>
    public override string ToString() => IsAny ? "ALL" : Number switch
    {
        TcpNumber => "TCP",
        UdpNumber => "UDP",
        IcmpNumber => "ICMP",
        _ => Number.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
