using System.Text.RegularExpressions;
using OpenSag.AccessControl;

namespace OpenSag.Services;

/// <summary>
/// What the ACL actions accept in each text field (spec/smartag-acl-and-more.md §1.2–§1.7, and the choices of issue
/// 12 where the sources disagree), each check with its rule in words for <c>--usage</c> and the docs. Values that
/// pass are stored and echoed exactly as sent: these checks never rewrite a value (§1.15). Patterns end in <c>\z</c>,
/// not <c>$</c>, which would also match before a final line feed and let "name\n" through.
/// </summary>
public static partial class AclFields
{
    /// <summary>Shortest and longest ACL or rule name: the 2021 docs' 2–128 (older pages said 2–100; the wider range accepts both).</summary>
    public const int NameMinLength = 2, NameMaxLength = 128;

    /// <summary>Longest description (§1.2).</summary>
    public const int DescriptionMaxLength = 512;

    /// <summary>Lowest and highest rule priority (§1.2); 1 is evaluated first and is the default.</summary>
    public const int MinPriority = 1, MaxPriority = 100, DefaultPriority = 1;

    /// <summary>Most DpiGroupIds.N / DpiSignatureIds.N items: the current page's 100, not the older 10 (§6).</summary>
    public const int MaxDpiIds = 100;

    public const string NameRule = "2–128 characters: letters of any script (Chinese too), digits 0–9, . _ -, starting with a letter";
    public const string DescriptionRule = "1–512 characters";
    public const string DirectionRule = "in (to the client) or out (from the client), any letter case";
    public const string PolicyRule = "accept or drop, any letter case";
    public const string RuleTypeRule = "LAN or WAN, any letter case";
    public const string CidrRule = "an IPv4 block a.b.c.d/n with n from 0 to 32 (host bits may be set), octets without leading zeros";
    public const string PortRangeRule = "start/end with 1 ≤ start ≤ end ≤ 65535, or -1/-1 for every port; every port for ALL and ICMP";
    public const string ProtocolRule = "ALL, TCP, UDP or ICMP, any letter case";
    public const string AclTypeRule = "acl-hardware or acl-software";

    /// <summary>An ACL name (CreateACL, ModifyACL) or a rule name (AddACLRule, ModifyACLRule).</summary>
    public static bool IsName(string value) => value.Length is >= NameMinLength and <= NameMaxLength && NamePattern().IsMatch(value);

    public static bool IsDescription(string value) => value.Length is >= 1 and <= DescriptionMaxLength;

    public static bool IsDirection(string value) => IsOneOf(value, "in", "out");

    public static bool IsPolicy(string value) => IsOneOf(value, "accept", "drop");

    /// <summary>A rule's network type; stored and echoed, not used by SAG App matching (§1.1 "Type").</summary>
    public static bool IsRuleType(string value) => IsOneOf(value, "LAN", "WAN");

    /// <summary>Exact, as the SDK enum: <see cref="Domain.Acl.HardwareType"/> or <see cref="Domain.Acl.SoftwareType"/>.</summary>
    public static bool IsAclType(string value) => value is Domain.Acl.HardwareType or Domain.Acl.SoftwareType;

    /// <summary>A rule's SourceCidr or DestCidr: exactly what the gateway's matcher reads (<see cref="AclCidr"/>).</summary>
    public static bool IsCidr(string value) => AclCidr.TryParse(value, out _);

    /// <summary>A rule's port range: <c>a/b</c> with 1 ≤ a ≤ b ≤ 65535, or <c>-1/-1</c> (<see cref="AclPortRange"/>).</summary>
    public static bool IsPortRange(string value) => AclPortRange.TryParse(value, out _);

    /// <summary>ALL, TCP, UDP or ICMP in any letter case (<see cref="AclProtocol"/>).</summary>
    public static bool IsProtocol(string value) => AclProtocol.TryParse(value, out _);

    /// <summary>
    /// Whether the rule's protocol and port ranges fit together: ports belong to TCP and UDP, so an ALL or ICMP rule
    /// must leave both ranges at every port (<c>-1/-1</c> or <c>1/65535</c>), or it would read as narrower than it
    /// matches. False too when any of the three does not parse.
    /// </summary>
    public static bool PortsFitProtocol(string ipProtocol, string sourcePortRange, string destPortRange) =>
        AclProtocol.TryParse(ipProtocol, out var protocol)
        && AclPortRange.TryParse(sourcePortRange, out var source) && AclPortRange.TryParse(destPortRange, out var dest)
        && (protocol.HasPorts || (source.IsAllPorts && dest.IsAllPorts));

    private static bool IsOneOf(string value, string first, string second) =>
        value.Equals(first, StringComparison.OrdinalIgnoreCase) || value.Equals(second, StringComparison.OrdinalIgnoreCase);

    [GeneratedRegex(@"^\p{L}[\p{L}0-9._-]*\z")]
    private static partial Regex NamePattern();
}
