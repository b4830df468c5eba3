using OpenSag.Domain;
using OpenSag.Errors;
using OpenSag.Storage;

namespace OpenSag.Services;

/// <summary>SAG App instances: creation (active at once, no billing), lookup by region, settings and DNS.</summary>
public sealed class InstanceService(IOpenSagStore store, TimeProvider time)
{
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
    public async Task<Instance> GetAsync(string regionId, string smartAgId, CancellationToken cancellationToken, ErrorDefinition? notFound = null) =>
        await store.FindInstanceAsync(regionId, smartAgId, cancellationToken)
        ?? throw new ApiException(notFound ?? ErrorCatalogue.InstanceNotFound);

    public Task<Page<Instance>> ListAsync(InstanceFilter filter, int pageNumber, int pageSize, CancellationToken cancellationToken) =>
        store.ListInstancesAsync(filter, pageNumber, pageSize, cancellationToken);

    /// <summary>Changes the given settings; a null argument leaves that setting as it is.</summary>
    public async Task ModifyAsync(string regionId, string smartAgId, string? name, string? description, ClientAddressSpace? cidrBlock, int? securityLockThreshold, CancellationToken cancellationToken)
    {
        var instance = await GetAsync(regionId, smartAgId, cancellationToken);
        var changed = instance with
        {
            Name = name ?? instance.Name,
            Description = description ?? instance.Description,
            CidrBlock = cidrBlock?.ToString() ?? instance.CidrBlock,
            SecurityLockThreshold = securityLockThreshold ?? instance.SecurityLockThreshold,
        };
        if (!await store.UpdateInstanceAsync(changed, cancellationToken))
        {
            throw new ApiException(ErrorCatalogue.InstanceNotFound);
        }
    }

    /// <summary>Replaces both DNS lists; omitting a list clears it, as the cloud documents for AppDNS.</summary>
    public async Task SetDnsAsync(string regionId, string smartAgId, IReadOnlyList<string> appDns, IReadOnlyList<string> recoveredDns, CancellationToken cancellationToken)
    {
        var instance = await GetAsync(regionId, smartAgId, cancellationToken);
        if (!await store.UpdateInstanceAsync(instance with { AppDns = appDns, RecoveredDns = recoveredDns }, cancellationToken))
        {
            throw new ApiException(ErrorCatalogue.InstanceNotFound);
        }
    }

    /// <summary>Stored times are exact to the millisecond; truncating here keeps what we answer equal to what we reload.</summary>
    private static DateTimeOffset TruncateToMilliseconds(DateTimeOffset value) =>
        DateTimeOffset.FromUnixTimeMilliseconds(value.ToUnixTimeMilliseconds());
}
