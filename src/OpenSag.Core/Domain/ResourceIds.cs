using System.Security.Cryptography;

namespace OpenSag.Domain;

/// <summary>Identifier formats of DESIGN.md §2: <c>sag-</c> + 20 lower-case letters and digits; order ids are decimal.</summary>
public static class ResourceIds
{
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";

    public static string NewSmartAgId() => "sag-" + RandomNumberGenerator.GetString(Alphabet, 20);

    /// <summary>ACL ids: <c>acl-</c> + 18 lower-case letters and digits (spec/smartag-acl-and-more.md §1.0).</summary>
    public static string NewAclId() => "acl-" + RandomNumberGenerator.GetString(Alphabet, 18);

    /// <summary>ACL rule ids: <c>acr-</c> + 18 lower-case letters and digits (spec/smartag-acl-and-more.md §1.0).</summary>
    public static string NewAcrId() => "acr-" + RandomNumberGenerator.GetString(Alphabet, 18);

    /// <summary>15 decimal digits, like the cloud's order numbers, never starting with 0.</summary>
    public static string NewOrderId() =>
        RandomNumberGenerator.GetString("123456789", 1) + RandomNumberGenerator.GetString("0123456789", 14);

    /// <summary>Access key ids look like the cloud's (<c>LTAI</c> + 20 characters); secrets are 30 characters.</summary>
    public static string NewAccessKeyId() =>
        "LTAI" + RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 20);

    public static string NewAccessKeySecret() =>
        RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 30);

    /// <summary>An upper-case UUID, as every RequestId on the wire.</summary>
    public static string NewRequestId() => Guid.NewGuid().ToString("D").ToUpperInvariant();
}
