using OpenSag.Domain;

namespace OpenSag.Storage;

/// <summary>
/// ACLs, their rules and which instance each is associated with (spec/smartag-acl-and-more.md §1). Each write and
/// the checks it answers (limits, existence, association) are one transaction. Limits are the caller's: the store
/// only counts under the transaction.
/// </summary>
public interface IAclStore
{
    /// <summary>Adds the ACL unless the store already holds <paramref name="aclLimit"/> ACLs (all regions: the cloud's limit is per account).</summary>
    Task<AclWriteResult> TryAddAclAsync(Acl acl, int aclLimit, CancellationToken cancellationToken);

    /// <summary>The ACL with that id in that region; not found from any other region.</summary>
    Task<Acl?> FindAclAsync(string regionId, string aclId, CancellationToken cancellationToken);

    /// <summary>ACLs of a region matching the filter with their SagCount, ordered by creation time, then id.</summary>
    Task<Page<AclSummary>> ListAclsAsync(AclFilter filter, int pageNumber, int pageSize, CancellationToken cancellationToken);

    /// <summary>Renames the ACL; false when there is no such ACL in that region.</summary>
    Task<bool> RenameAclAsync(string regionId, string aclId, string name, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes the ACL with its rules, disassociating it from its instances; returns the SmartAGIds it was associated
    /// with (whose sessions must stop applying it), or null when there is no such ACL in that region.
    /// </summary>
    Task<IReadOnlyList<string>?> DeleteAclAsync(string regionId, string aclId, CancellationToken cancellationToken);

    /// <summary>Adds the rule to its ACL unless the ACL holds <paramref name="ruleLimit"/> rules. NotFound when the ACL (in that region) does not exist.</summary>
    Task<AclWriteResult> TryAddRuleAsync(string regionId, AclRule rule, int ruleLimit, CancellationToken cancellationToken);

    /// <summary>
    /// Writes the fields the change sets, and only those, to the rule; returns the stored rule after the write, or
    /// null when the ACL (in that region) has no such rule.
    /// </summary>
    Task<AclRule?> UpdateRuleAsync(AclRuleChange change, CancellationToken cancellationToken);

    /// <summary>Deletes the rule; false when the ACL (in that region) has no such rule.</summary>
    Task<bool> DeleteRuleAsync(string regionId, string aclId, string acrId, CancellationToken cancellationToken);

    /// <summary>
    /// Rules of one ACL matching the filter, ordered by Priority, then creation time, then AcrId (spec §1.10);
    /// null when the ACL does not exist in that region.
    /// </summary>
    Task<Page<AclRule>?> ListRulesAsync(AclRuleFilter filter, int pageNumber, int pageSize, CancellationToken cancellationToken);

    /// <summary>
    /// Associates the ACL with the instance (both in that region). NotFound: no such ACL; InstanceNotFound: no such
    /// instance; AlreadyAssociated: this ACL is already associated with it; OverLimit: another ACL is (one per instance).
    /// </summary>
    Task<AclWriteResult> AssociateAsync(string regionId, string aclId, string smartAgId, CancellationToken cancellationToken);

    /// <summary>NotFound / InstanceNotFound as <see cref="AssociateAsync"/>; NotAssociated when the instance is not associated with this ACL.</summary>
    Task<AclWriteResult> DisassociateAsync(string regionId, string aclId, string smartAgId, CancellationToken cancellationToken);

    /// <summary>
    /// The rules that apply to an instance's sessions now: those of the ACL associated with it, in any order (the
    /// matcher orders them), or an empty list when none is associated or the instance does not exist. What the
    /// gateway loads on a change notification and on its periodic reconcile.
    /// </summary>
    Task<IReadOnlyList<AclRule>> GetInstanceRulesAsync(string smartAgId, CancellationToken cancellationToken);
}

/// <summary>What DescribeACLs filters on; null means "any". Unknown ids simply match nothing (Terraform's read-back, §1.15).</summary>
public sealed record AclFilter(string RegionId)
{
    public IReadOnlyCollection<string>? AclIds { get; init; }
    /// <summary>Exact name.</summary>
    public string? Name { get; init; }
    public string? AclType { get; init; }
    /// <summary>Exact resource group id (sent by the 2021 Go SDK, §1.0).</summary>
    public string? ResourceGroupId { get; init; }
}

/// <summary>What DescribeACLAttribute filters on; null means "any".</summary>
public sealed record AclRuleFilter(string RegionId, string AclId)
{
    /// <summary>The rule's direction in any letter case (a rule stores it as sent, e.g. <c>IN</c>, and means <c>in</c>).</summary>
    public string? Direction { get; init; }
    /// <summary>Substring of the rule's name (the spec's "fuzzy match", §1.10).</summary>
    public string? NameContains { get; init; }
}

/// <summary>What ModifyACLRule changes on one rule: each field that is set is written as given, the others kept.</summary>
public sealed record AclRuleChange(string RegionId, string AclId, string AcrId)
{
    public string? Name { get; init; }
    public string? Description { get; init; }
    public string? Direction { get; init; }
    public string? Policy { get; init; }
    public string? IpProtocol { get; init; }
    public string? SourceCidr { get; init; }
    public string? SourcePortRange { get; init; }
    public string? DestCidr { get; init; }
    public string? DestPortRange { get; init; }
    public int? Priority { get; init; }
    public string? Type { get; init; }
    /// <summary>Replaces the list when set; an omitted list is kept (§1.2 "Modify semantics").</summary>
    public IReadOnlyList<string>? DpiGroupIds { get; init; }
    public IReadOnlyList<string>? DpiSignatureIds { get; init; }
}

public enum AclWriteResult
{
    Done,
    /// <summary>No such ACL in that region.</summary>
    NotFound,
    /// <summary>No such instance in that region.</summary>
    InstanceNotFound,
    OverLimit,
    AlreadyAssociated,
    NotAssociated,
}
