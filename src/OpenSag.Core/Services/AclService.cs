using OpenSag.Domain;
using OpenSag.Errors;
using OpenSag.Sessions;
using OpenSag.Storage;

namespace OpenSag.Services;

/// <summary>
/// ACLs, their rules and their association with instances (spec/smartag-acl-and-more.md §1, DESIGN.md §6): the
/// cloud's limits and business rules, the store's results as the ACL actions' errors (§1.16), and a
/// <see cref="ChangeNotice"/> for every write that changes what applies to instances' sessions.
/// </summary>
/// <remarks>
/// Field formats are the catalogue's to check (with <see cref="AclFields"/>); this class checks what depends on more
/// than one field or on stored state. A notice is published after the store write commits and before the caller is
/// answered, so an answer means the change is in force on this node (<see cref="ChangeFeed.PublishAsync"/>); each
/// gateway's periodic reconcile repairs a notice lost on the way to another node.
/// </remarks>
public sealed class AclService(IAclStore acls, IInstanceStore instances, ChangeFeed changes, TimeProvider time)
{
    /// <summary>ACLs per account (the store): the cloud's default quota (§1.1).</summary>
    public const int AclLimit = 10;

    /// <summary>Rules per ACL (§1.1).</summary>
    public const int RuleLimit = 50;

    /// <summary>Instances read per page when collecting those a change touches; any size works, this bounds each read.</summary>
    private const int InstancePageSize = 500;

    /// <summary>Creates an ACL; <paramref name="aclType"/> null means <see cref="Acl.HardwareType"/>, the cloud's default.</summary>
    /// <exception cref="ApiException">AclAmountLimit when the store holds <see cref="AclLimit"/> ACLs.</exception>
    public async Task<Acl> CreateAsync(string regionId, string name, string? aclType, string? resourceGroupId, CancellationToken cancellationToken)
    {
        var acl = new Acl
        {
            AclId = ResourceIds.NewAclId(),
            RegionId = regionId,
            Name = name,
            AclType = aclType ?? Acl.HardwareType,
            ResourceGroupId = resourceGroupId ?? "",
            CreatedAt = Now(),
        };
        switch (await acls.TryAddAclAsync(acl, AclLimit, cancellationToken))
        {
            case AclWriteResult.Done:
                return acl;
            case AclWriteResult.OverLimit:
                throw new ApiException(ErrorCatalogue.AclAmountLimit);
            case var other:
                throw new InvalidOperationException("Unknown store result " + other);
        }
    }

    /// <summary>Deletes the ACL with its rules, disassociating it from its instances (allowed, as the issue decided for the undocumented case).</summary>
    /// <exception cref="ApiException">InvalidId.ACL when the region has no such ACL.</exception>
    public async Task DeleteAsync(string regionId, string aclId, CancellationToken cancellationToken)
    {
        var associated = await acls.DeleteAclAsync(regionId, aclId, cancellationToken) ?? throw new ApiException(ErrorCatalogue.AclNotFound);
        await PublishAsync(associated);
    }

    /// <exception cref="ApiException">InvalidId.ACL when the region has no such ACL.</exception>
    public async Task RenameAsync(string regionId, string aclId, string name, CancellationToken cancellationToken)
    {
        if (!await acls.RenameAclAsync(regionId, aclId, name, cancellationToken))
        {
            throw new ApiException(ErrorCatalogue.AclNotFound);
        }
    }

    /// <summary>ACLs matching the filter; ids that name no ACL match nothing (200 with an empty list, as Terraform's read-back needs, §1.15).</summary>
    public Task<Page<AclSummary>> ListAsync(AclFilter filter, int pageNumber, int pageSize, CancellationToken cancellationToken) =>
        acls.ListAclsAsync(filter, pageNumber, pageSize, cancellationToken);

    /// <summary>Adds a rule to an ACL; the instances associated with the ACL apply it before this returns.</summary>
    /// <exception cref="ApiException">
    /// InvalidPortRange when an ALL or ICMP rule narrows a port range; InvalidId.ACL when the region has no such ACL;
    /// AcrPerAclAmountLimit when the ACL holds <see cref="RuleLimit"/> rules.
    /// </exception>
    public async Task<AclRule> AddRuleAsync(string regionId, NewAclRule draft, CancellationToken cancellationToken)
    {
        RequirePortsFitProtocol(draft.IpProtocol, draft.SourcePortRange, draft.DestPortRange);
        var rule = new AclRule
        {
            AclId = draft.AclId,
            AcrId = ResourceIds.NewAcrId(),
            Name = draft.Name ?? "",
            Description = draft.Description ?? "",
            Direction = draft.Direction,
            Policy = draft.Policy,
            IpProtocol = draft.IpProtocol,
            SourceCidr = draft.SourceCidr,
            SourcePortRange = draft.SourcePortRange,
            DestCidr = draft.DestCidr,
            DestPortRange = draft.DestPortRange,
            Priority = draft.Priority ?? AclFields.DefaultPriority,
            Type = draft.Type ?? "LAN",
            CreatedAt = Now(),
            DpiGroupIds = draft.DpiGroupIds,
            DpiSignatureIds = draft.DpiSignatureIds,
        };
        switch (await acls.TryAddRuleAsync(regionId, rule, RuleLimit, cancellationToken))
        {
            case AclWriteResult.Done:
                await PublishForAclAsync(regionId, rule.AclId);
                return rule;
            case AclWriteResult.NotFound:
                throw new ApiException(ErrorCatalogue.AclNotFound);
            case AclWriteResult.OverLimit:
                throw new ApiException(ErrorCatalogue.AclRuleAmountLimit);
            case var other:
                throw new InvalidOperationException("Unknown store result " + other);
        }
    }

    /// <summary>
    /// Writes the fields the change sets and keeps the others; returns the rule as stored after the write. The
    /// protocol and port ranges are checked on the rule as it will be (a change of the protocol alone can make the
    /// stored ranges wrong).
    /// </summary>
    /// <exception cref="ApiException">InvalidId.ACL, InvalidId.ACR, or InvalidPortRange as <see cref="AddRuleAsync"/>.</exception>
    public async Task<AclRule> ModifyRuleAsync(AclRuleChange change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);

        // Checked by the store inside the write's transaction, on the rule as the write leaves it: a check here on a
        // rule read before the write would let two concurrent changes, each valid on what it read (protocol ALL;
        // a port range 22/22), store together a rule that neither checked (ALL with port 22 only).
        var stored = await acls.UpdateRuleAsync(change, PortsFitProtocol, cancellationToken);
        if (stored is null)
        {
            // The store answers one null for both; the caller is owed the code that says which id is wrong.
            _ = await acls.FindAclAsync(change.RegionId, change.AclId, cancellationToken) ?? throw new ApiException(ErrorCatalogue.AclNotFound);
            throw new ApiException(ErrorCatalogue.AclRuleNotFound);
        }

        // The store kept the write exactly when this holds.
        RequirePortsFitProtocol(stored.IpProtocol, stored.SourcePortRange, stored.DestPortRange);
        await PublishForAclAsync(change.RegionId, change.AclId);
        return stored;
    }

    /// <exception cref="ApiException">InvalidId.ACL when the region has no such ACL, InvalidId.ACR when it has no such rule.</exception>
    public async Task DeleteRuleAsync(string regionId, string aclId, string acrId, CancellationToken cancellationToken)
    {
        if (!await acls.DeleteRuleAsync(regionId, aclId, acrId, cancellationToken))
        {
            // The store answers one false for both; the caller is owed the code that says which id is wrong.
            _ = await acls.FindAclAsync(regionId, aclId, cancellationToken) ?? throw new ApiException(ErrorCatalogue.AclNotFound);
            throw new ApiException(ErrorCatalogue.AclRuleNotFound);
        }

        await PublishForAclAsync(regionId, aclId);
    }

    /// <summary>The ACL and one page of its rules matching the filter, in evaluation-friendly order (Priority, then creation).</summary>
    /// <exception cref="ApiException">InvalidId.ACL when the region has no such ACL.</exception>
    public async Task<(Acl Acl, Page<AclRule> Rules)> ListRulesAsync(AclRuleFilter filter, int pageNumber, int pageSize, CancellationToken cancellationToken)
    {
        var acl = await acls.FindAclAsync(filter.RegionId, filter.AclId, cancellationToken) ?? throw new ApiException(ErrorCatalogue.AclNotFound);
        var rules = await acls.ListRulesAsync(filter, pageNumber, pageSize, cancellationToken) ?? throw new ApiException(ErrorCatalogue.AclNotFound);
        return (acl, rules);
    }

    /// <summary>
    /// Associates the ACL with the instance; its rules apply to the instance's sessions before this returns. Every
    /// OpenSAG instance is an SAG App instance, which takes only <see cref="Acl.SoftwareType"/> ACLs (§1.1).
    /// </summary>
    /// <exception cref="ApiException">
    /// InvalidId.ACL, InvalidId.SMARTAG; SAG.SoftwareNotSupport for an <c>acl-hardware</c> ACL;
    /// SmartAGAlreadyAssociateAcl when this ACL is associated with the instance already; AclPerSmartagAmountLimit when
    /// another one is (one per instance).
    /// </exception>
    public async Task AssociateAsync(string regionId, string aclId, string smartAgId, CancellationToken cancellationToken)
    {
        var acl = await acls.FindAclAsync(regionId, aclId, cancellationToken) ?? throw new ApiException(ErrorCatalogue.AclNotFound);
        _ = await instances.FindInstanceAsync(regionId, smartAgId, cancellationToken) ?? throw new ApiException(ErrorCatalogue.AclInstanceNotFound);
        if (acl.AclType != Acl.SoftwareType)
        {
            throw new ApiException(ErrorCatalogue.AclSoftwareNotSupported);
        }

        ThrowOnFailure(await acls.AssociateAsync(regionId, aclId, smartAgId, cancellationToken));
        await PublishAsync([smartAgId]);
    }

    /// <summary>Ends the association; the ACL's rules stop applying to the instance's sessions before this returns.</summary>
    /// <exception cref="ApiException">InvalidId.ACL, InvalidId.SMARTAG; SmartAGNotAssociateAcl when the instance is not associated with this ACL.</exception>
    public async Task DisassociateAsync(string regionId, string aclId, string smartAgId, CancellationToken cancellationToken)
    {
        ThrowOnFailure(await acls.DisassociateAsync(regionId, aclId, smartAgId, cancellationToken));
        await PublishAsync([smartAgId]);
    }

    private static bool PortsFitProtocol(AclRule rule) => AclFields.PortsFitProtocol(rule.IpProtocol, rule.SourcePortRange, rule.DestPortRange);

    private static void RequirePortsFitProtocol(string ipProtocol, string sourcePortRange, string destPortRange)
    {
        if (!AclFields.PortsFitProtocol(ipProtocol, sourcePortRange, destPortRange))
        {
            throw new ApiException(ErrorCatalogue.AclInvalidPortRange);
        }
    }

    /// <summary>
    /// Publishes a rule change of the ACL to the instances associated with it, if any. The rule write has committed, so
    /// the instances are read without the caller's token too (<see cref="PublishAsync"/>): a caller that hangs up now
    /// must not leave every node on the old rules until its reconcile.
    /// </summary>
    private async Task PublishForAclAsync(string regionId, string aclId)
    {
        var affected = new List<string>();
        for (var pageNumber = 1; ; pageNumber++)
        {
            var page = await instances.ListInstancesAsync(new InstanceFilter(regionId) { AclIds = [aclId] }, pageNumber, InstancePageSize, CancellationToken.None);
            affected.AddRange(page.Items.Select(i => i.SmartAGId));
            if (page.Items.Count < InstancePageSize)
            {
                break;
            }
        }

        await PublishAsync(affected);
    }

    /// <summary>
    /// The write has committed: its notice goes out even if the caller has gone meanwhile (hence no caller token), or
    /// live sessions would apply the change only at the next reconcile.
    /// </summary>
    private async Task PublishAsync(IReadOnlyList<string> smartAgIds)
    {
        if (smartAgIds.Count > 0)
        {
            await changes.PublishAsync(new ChangeNotice(ChangeNotice.AclKind, smartAgIds), CancellationToken.None);
        }
    }

    private static void ThrowOnFailure(AclWriteResult result)
    {
        switch (result)
        {
            case AclWriteResult.Done:
                return;
            case AclWriteResult.NotFound:
                throw new ApiException(ErrorCatalogue.AclNotFound);
            case AclWriteResult.InstanceNotFound:
                throw new ApiException(ErrorCatalogue.AclInstanceNotFound);
            case AclWriteResult.AlreadyAssociated:
                throw new ApiException(ErrorCatalogue.AclAlreadyAssociated);
            case AclWriteResult.OverLimit:
                throw new ApiException(ErrorCatalogue.AclPerInstanceLimit);
            case AclWriteResult.NotAssociated:
                throw new ApiException(ErrorCatalogue.AclNotAssociated);
            default:
                throw new InvalidOperationException("Unknown store result " + result);
        }
    }

    /// <summary>Stored times are exact to the millisecond (GmtCreate); truncating keeps what we answer equal to what we reload.</summary>
    private DateTimeOffset Now() => DateTimeOffset.FromUnixTimeMilliseconds(time.GetUtcNow().ToUnixTimeMilliseconds());
}

/// <summary>
/// A rule as AddACLRule sends it (spec §1.2 "Add" column): the required fields, and the optional ones null when not
/// sent (Priority then 1, Type LAN, Name and Description empty).
/// </summary>
public sealed record NewAclRule
{
    public required string AclId { get; init; }
    public required string Direction { get; init; }
    public required string Policy { get; init; }
    public required string IpProtocol { get; init; }
    public required string SourceCidr { get; init; }
    public required string SourcePortRange { get; init; }
    public required string DestCidr { get; init; }
    public required string DestPortRange { get; init; }
    public int? Priority { get; init; }
    public string? Type { get; init; }
    public string? Name { get; init; }
    public string? Description { get; init; }
    public IReadOnlyList<string> DpiGroupIds { get; init; } = [];
    public IReadOnlyList<string> DpiSignatureIds { get; init; } = [];
}
