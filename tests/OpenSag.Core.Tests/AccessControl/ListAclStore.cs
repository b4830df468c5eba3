using OpenSag.Domain;
using OpenSag.Storage;

namespace OpenSag.Core.Tests.AccessControl;

/// <summary>
/// ACLs, rules, instances and associations in lists, for <see cref="AclServiceTests"/>: the store results the service
/// maps, in one region, without paging. What the tests do not use throws.
/// </summary>
internal sealed class ListAclStore : IAclStore, IInstanceStore
{
    private readonly List<Acl> _acls = [];
    private readonly Dictionary<string, string> _aclOfInstance = new(StringComparer.Ordinal);
    private readonly List<string> _instances = [];

    public List<AclRule> Rules { get; } = [];

    public void AddInstance(string smartAgId) => _instances.Add(smartAgId);

    public Task<AclWriteResult> TryAddAclAsync(Acl acl, int aclLimit, CancellationToken cancellationToken)
    {
        if (_acls.Count >= aclLimit)
        {
            return Task.FromResult(AclWriteResult.OverLimit);
        }

        _acls.Add(acl);
        return Task.FromResult(AclWriteResult.Done);
    }

    public Task<Acl?> FindAclAsync(string regionId, string aclId, CancellationToken cancellationToken) =>
        Task.FromResult(_acls.FirstOrDefault(a => a.AclId == aclId));

    public Task<IReadOnlyList<string>?> DeleteAclAsync(string regionId, string aclId, CancellationToken cancellationToken)
    {
        if (_acls.RemoveAll(a => a.AclId == aclId) == 0)
        {
            return Task.FromResult<IReadOnlyList<string>?>(null);
        }

        Rules.RemoveAll(r => r.AclId == aclId);
        IReadOnlyList<string> associated = [.. _aclOfInstance.Where(p => p.Value == aclId).Select(p => p.Key)];
        foreach (var smartAgId in associated)
        {
            _aclOfInstance.Remove(smartAgId);
        }

        return Task.FromResult<IReadOnlyList<string>?>(associated);
    }

    public Task<AclWriteResult> TryAddRuleAsync(string regionId, AclRule rule, int ruleLimit, CancellationToken cancellationToken)
    {
        if (_acls.All(a => a.AclId != rule.AclId))
        {
            return Task.FromResult(AclWriteResult.NotFound);
        }

        Rules.Add(rule);
        return Task.FromResult(AclWriteResult.Done);
    }

    /// <summary>
    /// Runs once at the start of the next <see cref="UpdateRuleAsync"/>, as another writer whose change commits between
    /// the service's read of a rule and its own write.
    /// </summary>
    public Func<Task>? BeforeNextUpdate { get; set; }

    public async Task<AclRule?> UpdateRuleAsync(AclRuleChange change, Func<AclRule, bool> keep, CancellationToken cancellationToken)
    {
        if (BeforeNextUpdate is { } other)
        {
            BeforeNextUpdate = null;
            await other();
        }

        var index = Rules.FindIndex(r => r.AclId == change.AclId && r.AcrId == change.AcrId);
        if (index < 0)
        {
            return null;
        }

        var r = Rules[index];
        var changed = r with
        {
            IpProtocol = change.IpProtocol ?? r.IpProtocol,
            SourcePortRange = change.SourcePortRange ?? r.SourcePortRange,
            DestPortRange = change.DestPortRange ?? r.DestPortRange,
            Priority = change.Priority ?? r.Priority,
        };
        if (keep(changed))
        {
            Rules[index] = changed;
        }

        return changed;
    }

    public Task<bool> DeleteRuleAsync(string regionId, string aclId, string acrId, CancellationToken cancellationToken) =>
        Task.FromResult(Rules.RemoveAll(r => r.AclId == aclId && r.AcrId == acrId) > 0);

    public Task<Page<AclRule>?> ListRulesAsync(AclRuleFilter filter, int pageNumber, int pageSize, CancellationToken cancellationToken)
    {
        if (_acls.All(a => a.AclId != filter.AclId))
        {
            return Task.FromResult<Page<AclRule>?>(null);
        }

        var rules = Rules.Where(r => r.AclId == filter.AclId).ToList();
        return Task.FromResult<Page<AclRule>?>(new Page<AclRule>(rules, rules.Count, pageNumber, pageSize));
    }

    public Task<AclWriteResult> AssociateAsync(string regionId, string aclId, string smartAgId, CancellationToken cancellationToken) =>
        Task.FromResult(_acls.All(a => a.AclId != aclId) ? AclWriteResult.NotFound
            : !_instances.Contains(smartAgId) ? AclWriteResult.InstanceNotFound
            : _aclOfInstance.TryGetValue(smartAgId, out var bound) ? (bound == aclId ? AclWriteResult.AlreadyAssociated : AclWriteResult.OverLimit)
            : Associated(smartAgId, aclId));

    public Task<AclWriteResult> DisassociateAsync(string regionId, string aclId, string smartAgId, CancellationToken cancellationToken) =>
        Task.FromResult(_aclOfInstance.TryGetValue(smartAgId, out var bound) && bound == aclId && _aclOfInstance.Remove(smartAgId)
            ? AclWriteResult.Done
            : AclWriteResult.NotAssociated);

    public Task<Instance?> FindInstanceAsync(string regionId, string smartAgId, CancellationToken cancellationToken) =>
        Task.FromResult(_instances.Contains(smartAgId) ? Instance(smartAgId) : null);

    public Task<Page<Instance>> ListInstancesAsync(InstanceFilter filter, int pageNumber, int pageSize, CancellationToken cancellationToken)
    {
        // As the engines do: a read asked with a cancelled token does not run.
        cancellationToken.ThrowIfCancellationRequested();
        var matching = _instances.Where(i => filter.AclIds is null || filter.AclIds.Contains(_aclOfInstance.GetValueOrDefault(i) ?? "")).Select(Instance).ToList();
        return Task.FromResult(new Page<Instance>(matching, matching.Count, pageNumber, pageSize));
    }

    public Task<Page<AclSummary>> ListAclsAsync(AclFilter filter, int pageNumber, int pageSize, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<bool> RenameAclAsync(string regionId, string aclId, string name, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<IReadOnlyList<AclRule>> GetInstanceRulesAsync(string smartAgId, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task AddInstanceAsync(Instance instance, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<Instance?> FindInstanceByIdAsync(string smartAgId, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<InstanceWriteResult> UpdateInstanceAsync(InstanceChange change, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<IReadOnlyList<InstanceCidrBlock>> ListCidrBlocksAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

    private AclWriteResult Associated(string smartAgId, string aclId)
    {
        _aclOfInstance[smartAgId] = aclId;
        return AclWriteResult.Done;
    }

    private static Instance Instance(string smartAgId) => new()
    {
        SmartAGId = smartAgId,
        RegionId = "cn-shanghai",
        OrderId = "1",
        UserCount = 5,
        DataPlan = 5,
        Period = 1,
        ChargeType = "PREPAY",
        AutoPay = true,
        CreatedAt = DateTimeOffset.UnixEpoch,
        EndsAt = DateTimeOffset.UnixEpoch,
    };
}
