namespace OpenSag.Domain;

/// <summary>A SAG App (software) instance: the gateway that client users log in to.</summary>
public sealed record Instance
{
    public required string SmartAGId { get; init; }
    public required string RegionId { get; init; }
    public required string OrderId { get; init; }
    public string Name { get; init; } = "";
    public string Description { get; init; } = "";
    /// <summary>The client address space, e.g. "10.10.0.0/24"; empty until set with ModifySmartAccessGateway.</summary>
    public string CidrBlock { get; init; } = "";
    public required int UserCount { get; init; }
    public required long DataPlan { get; init; }
    public required int Period { get; init; }
    public required string ChargeType { get; init; }
    public required bool AutoPay { get; init; }
    public int SecurityLockThreshold { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset EndsAt { get; init; }
    public IReadOnlyList<string> AppDns { get; init; } = [];
    public IReadOnlyList<string> RecoveredDns { get; init; } = [];
    /// <summary>
    /// The ACL associated with the instance, "" when none: at most one (spec/smartag-acl-and-more.md §1.1). Changed
    /// by IAclStore's associate, disassociate and delete-ACL; UpdateInstanceAsync leaves it as it is.
    /// </summary>
    public string AclId { get; init; } = "";
    /// <summary>The enterprise code the instance is bound to (UpdateSmartAGEnterpriseCode), or empty.</summary>
    public string EnterpriseCode { get; init; } = "";

    /// <summary>Instances are created active at once: there is no billing step here (DESIGN.md §3).</summary>
    public const string ActiveStatus = "Active";

    /// <summary>SAG App instances are the "software" kind in DescribeSmartAccessGateways.</summary>
    public const string InstanceType = "software";
}
