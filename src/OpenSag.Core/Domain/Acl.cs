namespace OpenSag.Domain;

/// <summary>
/// An access control list: a regional resource holding rules (<see cref="AclRule"/>) and associated with at most one
/// ACL per instance (spec/smartag-acl-and-more.md §1.1). Text fields are kept exactly as sent, since Terraform reads
/// them back and diffs them (§1.15).
/// </summary>
public sealed record Acl
{
    public required string AclId { get; init; }
    public required string RegionId { get; init; }
    public required string Name { get; init; }
    /// <summary><see cref="HardwareType"/> (the default when CreateACL omits it) or <see cref="SoftwareType"/>.</summary>
    public required string AclType { get; init; }
    /// <summary>Accepted from the 2021 Go SDK (Terraform) and echoed; empty when not sent (§1.0).</summary>
    public string ResourceGroupId { get; init; } = "";
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>ACL for SAG devices (CPE); the default of CreateACL.</summary>
    public const string HardwareType = "acl-hardware";

    /// <summary>ACL for SAG App instances: the one kind an OpenSAG instance takes (§1.1 "ACL type vs instance type").</summary>
    public const string SoftwareType = "acl-software";
}

/// <summary>An ACL with the number of instances associated with it (DescribeACLs <c>SagCount</c>).</summary>
public sealed record AclSummary(Acl Acl, int SagCount);
