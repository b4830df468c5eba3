using OpenSag.Domain;

namespace OpenSag.Storage;

/// <summary>
/// What one admin write changes on one instance: each setting that is set is written as given, the others are left
/// as the stored row has them, in the transaction that checks the change. Overlapping writes of different settings
/// (a Name and a Description sent at once) therefore all stick (issue 9 item 4).
/// </summary>
public sealed record InstanceChange(string RegionId, string SmartAGId)
{
    public string? Name { get; init; }

    public string? Description { get; init; }

    /// <summary>
    /// The new client address space. Refused (<see cref="InstanceWriteResult.StaticClientIpOutside"/>) while a user of
    /// the instance holds a static ClientIp it cannot assign; that check and the write are one transaction, which
    /// user writes that add a static ClientIp to the instance serialize with.
    /// </summary>
    public ClientAddressSpace? CidrBlock { get; init; }

    /// <summary>
    /// Refuse (<see cref="InstanceWriteResult.CidrOverlap"/>) a <see cref="CidrBlock"/> that overlaps another instance's,
    /// in any region: set when the gateway routes every block to one TUN (layer 3, issue 11), where an address in two
    /// blocks could not say which instance's session it belongs to. Checked in the transaction of the write, which
    /// every CIDR write serializes with.
    /// </summary>
    public bool RefuseCidrOverlap { get; init; }

    /// <summary>Seconds, 0 or more.</summary>
    public int? SecurityLockThreshold { get; init; }

    /// <summary>
    /// Most client accounts (Upgrade/DowngradeSmartAccessGatewaySoftware). Refused
    /// (<see cref="InstanceWriteResult.UsersAboveUserCount"/>) when the instance has more users, counted in the
    /// transaction of the write, which user additions to the instance serialize with.
    /// </summary>
    public int? UserCount { get; init; }

    /// <summary>GB per account per month.</summary>
    public long? DataPlan { get; init; }

    /// <summary>Replaces the list (empty clears it).</summary>
    public IReadOnlyList<string>? AppDns { get; init; }

    /// <summary>Replaces the list (empty clears it).</summary>
    public IReadOnlyList<string>? RecoveredDns { get; init; }
}

/// <summary>The outcome of <see cref="IInstanceStore.UpdateInstanceAsync"/>.</summary>
public enum InstanceWriteResult
{
    Done,
    /// <summary>No instance with that id in that region.</summary>
    NotFound,
    /// <summary>A user of the instance holds a static ClientIp outside the new CIDR block; nothing was written.</summary>
    StaticClientIpOutside,
    /// <summary>The new CIDR block overlaps another instance's (only with <see cref="InstanceChange.RefuseCidrOverlap"/>); nothing was written.</summary>
    CidrOverlap,
    /// <summary>The instance has more users than the new <see cref="InstanceChange.UserCount"/>; nothing was written.</summary>
    UsersAboveUserCount,
}
