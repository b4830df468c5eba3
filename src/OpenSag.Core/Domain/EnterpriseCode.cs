namespace OpenSag.Domain;

/// <summary>
/// A SAG App log-in enterprise code (spec/smartag-acl-and-more.md §2.3). Kept per region, like every other resource
/// here (listed, made default and bound to instances within one region), and unique across all regions, as the cloud
/// keeps codes unique across all enterprises.
/// </summary>
public sealed record EnterpriseCode
{
    public required string RegionId { get; init; }

    /// <summary>Exactly as created: uniqueness is case-sensitive, so <c>ab123</c> and <c>AB123</c> are two codes.</summary>
    public required string Code { get; init; }

    /// <summary>At most one code of a region is the default; making one default clears the others.</summary>
    public bool IsDefault { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>The length every code has (SDK javadoc of CreateEnterpriseCode).</summary>
    public const int Length = 5;

    /// <summary>
    /// Exactly <see cref="Length"/> ASCII letters (either case) and digits, with at least one of each; the rule of
    /// CreateEnterpriseCode (§2.3). Other actions only look codes up, so any value there is just "not found".
    /// </summary>
    public static bool IsWellFormed(string code)
    {
        ArgumentNullException.ThrowIfNull(code);
        return code.Length == Length
            && code.All(char.IsAsciiLetterOrDigit)
            && code.Any(char.IsAsciiLetter)
            && code.Any(char.IsAsciiDigit);
    }
}
