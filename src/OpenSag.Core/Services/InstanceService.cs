using System.Collections.Concurrent;
using OpenSag.Domain;
using OpenSag.Errors;
using OpenSag.Storage;

namespace OpenSag.Services;

/// <summary>How <see cref="InstanceService"/> checks instance settings beyond the cloud's own rules.</summary>
public sealed record InstanceRules
{
    /// <summary>
    /// Refuse a CidrBlock overlapping another instance's (SAG.CidrOverlap): on when the gateway carries packets
    /// (<c>serve --tun</c>), which routes every instance's block to one interface. Every node of a cluster must agree.
    /// </summary>
    public bool DisjointCidrBlocks { get; init; }
}

/// <summary>SAG App instances: creation (active at once, no billing), lookup by region, settings and DNS.</summary>
public sealed class InstanceService(IOpenSagStore store, TimeProvider time, InstanceRules? rules = null)
{
    /// <summary>
    /// SmartAGId → RegionId of every instance seen to exist. Exact, not a guess: no action deletes an instance or moves
    /// it to another region, so an instance once found stays found (on every node). Unknown ids are never cached,
    /// so a flood of made-up ids costs store reads, not memory.
    /// </summary>
    private readonly ConcurrentDictionary<string, string> _knownRegions = new(StringComparer.Ordinal);

    public async Task<Instance> CreateAsync(string regionId, string chargeType, int period, int userCount, long dataPlan, bool autoPay, CancellationToken cancellationToken)
    {
        var now = TruncateToMilliseconds(time.GetUtcNow());
        var instance = new Instance
        {
            SmartAGId = ResourceIds.NewSmartAgId(),
            RegionId = regionId,
            OrderId = ResourceIds.NewOrderId(),
            ChargeType = chargeType,
            Period = period,
            UserCount = userCount,
            DataPlan = dataPlan,
            AutoPay = autoPay,
            CreatedAt = now,
            EndsAt = now.AddMonths(period),
        };
        await store.AddInstanceAsync(instance, cancellationToken);
        return instance;
    }

    /// <summary>The instance, or <paramref name="notFound"/> (actions word SAG.InstanceNoFound differently).</summary>
    public async Task<Instance> GetAsync(string regionId, string smartAgId, CancellationToken cancellationToken, ErrorDefinition? notFound = null)
    {
        var instance = await store.FindInstanceAsync(regionId, smartAgId, cancellationToken)
            ?? throw new ApiException(notFound ?? ErrorCatalogue.InstanceNotFound);
        _knownRegions.TryAdd(instance.SmartAGId, instance.RegionId);
        return instance;
    }

    /// <summary>
    /// Throws <paramref name="notFound"/> unless the instance exists in that region: for actions that need only its
    /// existence (the kick, listings), answered from memory after the first time, which takes a store read off the
    /// hottest API paths.
    /// </summary>
    public async Task RequireAsync(string regionId, string smartAgId, CancellationToken cancellationToken, ErrorDefinition? notFound = null)
    {
        if (_knownRegions.TryGetValue(smartAgId, out var knownRegion))
        {
            if (knownRegion != regionId)
            {
                throw new ApiException(notFound ?? ErrorCatalogue.InstanceNotFound);
            }

            return;
        }

        await GetAsync(regionId, smartAgId, cancellationToken, notFound);
    }

    public Task<Page<Instance>> ListAsync(InstanceFilter filter, int pageNumber, int pageSize, CancellationToken cancellationToken) =>
        store.ListInstancesAsync(filter, pageNumber, pageSize, cancellationToken);

    /// <summary>
    /// Changes the given settings; a null argument leaves that setting as it is, whatever another write changes
    /// meanwhile. A CIDR block that cannot assign a user's static ClientIp is refused (InvalidCidrBlock), and with
    /// <see cref="InstanceRules.DisjointCidrBlocks"/> one overlapping another instance's block (SAG.CidrOverlap).
    /// </summary>
    public Task ModifyAsync(string regionId, string smartAgId, string? name, string? description, ClientAddressSpace? cidrBlock, int? securityLockThreshold, CancellationToken cancellationToken) =>
        UpdateAsync(new InstanceChange(regionId, smartAgId)
        {
            Name = name,
            Description = description,
            CidrBlock = cidrBlock,
            RefuseCidrOverlap = cidrBlock is not null && rules?.DisjointCidrBlocks == true,
            SecurityLockThreshold = securityLockThreshold,
        }, cancellationToken);

    /// <summary>
    /// Upgrade/DowngradeSmartAccessGatewaySoftware (spec/smartag-acl-and-more.md §2.1), applied at once (no billing
    /// here, so AutoPay changes nothing): an upgrade may not lower UserCount, a downgrade may not raise it nor take it
    /// below the client accounts the instance has (counted in the store's transaction of the write). Returns the
    /// new order's id.
    /// </summary>
    /// <exception cref="ApiException">SAG.InvalidUserCount, SAG.InvalidDataPlan, SAG.InstanceNoFound.</exception>
    public async Task<string> ResizeAsync(string regionId, string smartAgId, InstanceResize resize, int userCount, long dataPlan, CancellationToken cancellationToken)
    {
        if (!InstanceSize.IsValidUserCount(userCount))
        {
            throw new ApiException(ErrorCatalogue.InvalidUserCount);
        }

        if (dataPlan != InstanceSize.DataPlan)
        {
            throw new ApiException(ErrorCatalogue.InvalidDataPlan);
        }

        // The direction is checked on the record as read: a resize committed meanwhile is simply the one this one
        // follows, and the one invariant that matters (no more users than UserCount) is the store's, in its transaction.
        var instance = await GetAsync(regionId, smartAgId, cancellationToken);
        if (resize == InstanceResize.Upgrade && userCount < instance.UserCount)
        {
            throw new ApiException(ErrorCatalogue.InvalidUserCount.WithMessage($"The specified UserCount is invalid: an upgrade cannot lower it below the instance's {instance.UserCount}."));
        }

        if (resize == InstanceResize.Downgrade && userCount > instance.UserCount)
        {
            throw new ApiException(ErrorCatalogue.InvalidUserCount.WithMessage($"The specified UserCount is invalid: a downgrade cannot raise it above the instance's {instance.UserCount}."));
        }

        await UpdateAsync(new InstanceChange(regionId, smartAgId) { UserCount = userCount, DataPlan = dataPlan }, cancellationToken);
        return ResourceIds.NewOrderId();
    }

    /// <summary>Replaces both DNS lists; omitting a list clears it, as the cloud documents for AppDNS.</summary>
    public Task SetDnsAsync(string regionId, string smartAgId, IReadOnlyList<string> appDns, IReadOnlyList<string> recoveredDns, CancellationToken cancellationToken) =>
        UpdateAsync(new InstanceChange(regionId, smartAgId) { AppDns = appDns, RecoveredDns = recoveredDns }, cancellationToken);

    /// <summary>Only the change goes to the store, never a copy of the record read: a copy would undo what committed since.</summary>
    private async Task UpdateAsync(InstanceChange change, CancellationToken cancellationToken)
    {
        switch (await store.UpdateInstanceAsync(change, cancellationToken))
        {
            case InstanceWriteResult.Done:
                return;
            case InstanceWriteResult.NotFound:
                throw new ApiException(ErrorCatalogue.InstanceNotFound);
            case InstanceWriteResult.StaticClientIpOutside:
                throw new ApiException(ErrorCatalogue.Invalid("CidrBlock").WithMessage("The specified CidrBlock does not contain the static ClientIp of every user of the instance."));
            case InstanceWriteResult.CidrOverlap:
                throw new ApiException(ErrorCatalogue.CidrOverlap);
            case InstanceWriteResult.UsersAboveUserCount:
                throw new ApiException(ErrorCatalogue.InvalidUserCount.WithMessage("The specified UserCount is invalid: the instance has more client accounts than that."));
            case var other:
                throw new InvalidOperationException("Unknown store result " + other);
        }
    }

    /// <summary>Stored times are exact to the millisecond; truncating here keeps what we answer equal to what we reload.</summary>
    private static DateTimeOffset TruncateToMilliseconds(DateTimeOffset value) =>
        DateTimeOffset.FromUnixTimeMilliseconds(value.ToUnixTimeMilliseconds());
}

/// <summary>Which way <see cref="InstanceService.ResizeAsync"/> changes an instance.</summary>
public enum InstanceResize
{
    Upgrade,
    Downgrade,
}
