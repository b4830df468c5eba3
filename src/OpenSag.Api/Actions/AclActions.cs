using OpenSag.Api.Catalogue;
using OpenSag.Api.Responses;
using OpenSag.Domain;
using OpenSag.Errors;
using OpenSag.Services;
using OpenSag.Storage;
using static OpenSag.Api.Catalogue.WireParameters;

namespace OpenSag.Api.Actions;

/// <summary>
/// The ten ACL actions: spec/smartag-acl-and-more.md §1.3–§1.12. Their error tables answer 403 for a missing or
/// invalid parameter (§1.0, §1.16), so every parameter here names the ACL forms of those errors; RegionId keeps the
/// common MissingRegionId every action shares.
/// </summary>
public static class AclActions
{
    public static readonly Parameter<string> AclId = Parameter.String("AclId", "ID of the ACL (acl-…).")
        .AsRequired(ErrorCatalogue.AclMissingParameter).Matching(s => s.Length <= 64, UpTo64).WhenInvalid(ErrorCatalogue.AclNotFound);

    public static readonly Parameter<string> AcrId = Parameter.String("AcrId", "ID of the rule (acr-…).")
        .AsRequired(ErrorCatalogue.AclMissingParameter).Matching(s => s.Length <= 64, UpTo64).WhenInvalid(ErrorCatalogue.AclRuleNotFound);

    public static readonly Parameter<string> AclSmartAgId = SmartAgId.WhenMissing(ErrorCatalogue.AclMissingParameter).WhenInvalid(ErrorCatalogue.AclInstanceNotFound);

    public static readonly Parameter<string> AclName = Parameter.String("Name", "Name of the ACL.")
        .AsRequired(ErrorCatalogue.AclMissingParameter).Matching(AclFields.IsName, AclFields.NameRule).WhenInvalid(ErrorCatalogue.AclInvalidName);

    public static readonly Parameter<string?> AclType = Parameter.String("AclType",
            "acl-hardware (for SAG devices; the default) or acl-software (for SAG App instances: the only kind AssociateACL takes here).")
        .Matching(AclFields.IsAclType, AclFields.AclTypeRule).WhenInvalid(ErrorCatalogue.AclInvalidParameter);

    public static readonly Parameter<string?> ResourceGroupId = Parameter.String("ResourceGroupId", "Resource group; stored, echoed and filtered exactly.")
        .Matching(s => s.Length <= 64, UpTo64).WhenInvalid(ErrorCatalogue.AclInvalidParameter);

    public static readonly Parameter<int?> AclPageNumber = PageNumber.WhenInvalid(ErrorCatalogue.AclInvalidParameter);

    public static readonly Parameter<int?> AclPageSize = PageSize(50).WhenInvalid(ErrorCatalogue.AclInvalidParameter);

    // The rule fields (spec §1.2), optional as ModifyACLRule takes them (it changes those it is sent).
    public static readonly Parameter<string?> Direction = Parameter.String("Direction", "in (traffic to the client) or out (traffic from the client).")
        .Matching(AclFields.IsDirection, AclFields.DirectionRule).WhenInvalid(ErrorCatalogue.AclInvalidParameter);

    public static readonly Parameter<string?> Policy = Parameter.String("Policy", "accept or drop.")
        .Matching(AclFields.IsPolicy, AclFields.PolicyRule).WhenInvalid(ErrorCatalogue.AclInvalidParameter);

    public static readonly Parameter<string?> IpProtocol = Parameter.String("IpProtocol", "Protocol the rule matches.")
        .Matching(AclFields.IsProtocol, AclFields.ProtocolRule).WhenInvalid(ErrorCatalogue.AclNotSupportedProtocol);

    public static readonly Parameter<string?> SourceCidr = Parameter.String("SourceCidr", "Source block, e.g. 192.168.1.0/24.")
        .Matching(AclFields.IsCidr, AclFields.CidrRule).WhenInvalid(ErrorCatalogue.AclInvalidParameter);

    public static readonly Parameter<string?> SourcePortRange = Parameter.String("SourcePortRange", "Source ports, e.g. 1/200, or -1/-1 for every port.")
        .Matching(AclFields.IsPortRange, AclFields.PortRangeRule).WhenInvalid(ErrorCatalogue.AclInvalidPortRange);

    public static readonly Parameter<string?> DestCidr = SourceCidr.Named("DestCidr", "Destination block, e.g. 10.0.5.0/24.");

    public static readonly Parameter<string?> DestPortRange = SourcePortRange.Named("DestPortRange", "Destination ports, e.g. 80/80, or -1/-1 for every port.");

    public static readonly Parameter<int?> Priority = Parameter.Integer("Priority", "1 is evaluated first (default 1).")
        .Between(AclFields.MinPriority, AclFields.MaxPriority).WhenInvalid(ErrorCatalogue.AclInvalidParameter);

    public static readonly Parameter<string?> RuleType = Parameter.String("Type", "LAN (default) or WAN; stored and echoed, not matched.")
        .Matching(AclFields.IsRuleType, AclFields.RuleTypeRule).WhenInvalid(ErrorCatalogue.AclInvalidRuleType);

    public static readonly Parameter<string?> RuleName = Parameter.String("Name", "Name of the rule.")
        .Matching(AclFields.IsName, AclFields.NameRule).WhenInvalid(ErrorCatalogue.AclInvalidParameter);

    public static readonly Parameter<string?> RuleDescription = Parameter.String("Description", "Description of the rule.")
        .Matching(AclFields.IsDescription, AclFields.DescriptionRule).WhenInvalid(ErrorCatalogue.AclInvalidDescription);

    public static readonly Parameter<IReadOnlyList<string>> DpiSignatureIds = Parameter.List("DpiSignatureIds",
            "Application ids, DpiSignatureIds.1, …; stored and echoed, not matched (SAG App rules have no DPI).")
        .AtMost(AclFields.MaxDpiIds).Matching(s => s.Length <= 64, UpTo64).WhenInvalid(ErrorCatalogue.AclInvalidParameter);

    public static readonly Parameter<IReadOnlyList<string>> DpiGroupIds = DpiSignatureIds.Named("DpiGroupIds",
        "Application group ids, DpiGroupIds.1, …; stored and echoed, not matched (SAG App rules have no DPI).");

    public static readonly ActionDefinition Create = ActionDefinition.Define(
        "CreateACL",
        "Creates an ACL (at most 10 per server, all regions together).",
        [RegionId, AclName, AclType, ResourceGroupId],
        ResponseShape.Of<Acl>()
            .String("AclId", acl => acl.AclId)
            .String("AclType", acl => acl.AclType)
            .String("ResourceGroupId", acl => acl.ResourceGroupId),
        static (AclService acls, ActionContext a, CancellationToken ct) =>
            acls.CreateAsync(a.Get(RegionId), a.Get(AclName), a.Get(AclType), a.Get(ResourceGroupId), ct))
        .Raising(ErrorCatalogue.AclAmountLimit);

    public static readonly ActionDefinition Delete = ActionDefinition.Define(
        "DeleteACL",
        "Deletes an ACL with its rules; instances associated with it are disassociated before the answer.",
        [RegionId, AclId],
        static (AclService acls, ActionContext a, CancellationToken ct) => acls.DeleteAsync(a.Get(RegionId), a.Get(AclId), ct))
        .Raising(ErrorCatalogue.AclNotFound);

    public static readonly ActionDefinition Modify = ActionDefinition.Define(
        "ModifyACL",
        "Renames an ACL.",
        [RegionId, AclId, AclName],
        static (AclService acls, ActionContext a, CancellationToken ct) => acls.RenameAsync(a.Get(RegionId), a.Get(AclId), a.Get(AclName), ct))
        .Raising(ErrorCatalogue.AclNotFound);

    public static readonly Parameter<string?> AclIdsFilter = Parameter.String("AclIds", "ACL ids separated by commas; ids that name no ACL match nothing.")
        .Matching(s => s.Length <= 2048, "up to 2048 characters").WhenInvalid(ErrorCatalogue.AclInvalidParameter);

    /// <summary>DescribeACLs' AclType is a filter: absent means every type, not CreateACL's default.</summary>
    public static readonly Parameter<string?> AclTypeFilter = AclType.Described("Only ACLs of this type: acl-hardware or acl-software (default: every type).");

    public static readonly Parameter<string?> AclNameFilter = Parameter.String("Name", "Exact ACL name.")
        .Matching(s => s.Length <= AclFields.NameMaxLength, "up to 128 characters").WhenInvalid(ErrorCatalogue.AclInvalidParameter);

    /// <summary>An ACL in DescribeACLs (spec §1.6).</summary>
    public static readonly ResponseShape<AclSummary> AclItem = ResponseShape.Of<AclSummary>()
        .String("AclId", s => s.Acl.AclId)
        .String("Name", s => s.Acl.Name)
        .String("AclType", s => s.Acl.AclType)
        .String("ResourceGroupId", s => s.Acl.ResourceGroupId)

        // A String in every SDK (spec §1.0 "Type fidelity"), though the doc examples print a number.
        .String("SagCount", s => s.SagCount.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public static readonly ActionDefinition List = ActionDefinition.Define(
        "DescribeACLs",
        "Lists the ACLs of a region, paged; ids that name no ACL match nothing (200 with an empty list).",
        [RegionId, AclIdsFilter, AclTypeFilter, AclNameFilter, ResourceGroupId, AclPageNumber, AclPageSize],
        ResponseShape.Of<Page<AclSummary>>()
            .Integer("TotalCount", p => p.TotalCount)
            .Integer("PageNumber", p => p.PageNumber)
            .Integer("PageSize", p => p.PageSize)
            .List("Acls", "Acl", p => p.Items, AclItem),
        static (AclService acls, ActionContext a, CancellationToken ct) =>
        {
            var filter = new AclFilter(a.Get(RegionId))
            {
                AclIds = a.Get(AclIdsFilter) is { } ids ? CommaList(ids) : null,
                Name = a.Get(AclNameFilter),
                AclType = a.Get(AclTypeFilter),
                ResourceGroupId = a.Get(ResourceGroupId),
            };
            return acls.ListAsync(filter, a.Get(AclPageNumber) ?? 1, a.Get(AclPageSize) ?? 10, ct);
        });

    // What AddACLRule requires (spec §1.2 "Add" column).
    public static readonly Parameter<string> NewDirection = Direction.AsRequired(ErrorCatalogue.AclMissingParameter);
    public static readonly Parameter<string> NewPolicy = Policy.AsRequired(ErrorCatalogue.AclMissingParameter);
    public static readonly Parameter<string> NewIpProtocol = IpProtocol.AsRequired(ErrorCatalogue.AclMissingParameter);
    public static readonly Parameter<string> NewSourceCidr = SourceCidr.AsRequired(ErrorCatalogue.AclMissingParameter);
    public static readonly Parameter<string> NewSourcePortRange = SourcePortRange.AsRequired(ErrorCatalogue.AclMissingParameter);
    public static readonly Parameter<string> NewDestCidr = DestCidr.AsRequired(ErrorCatalogue.AclMissingParameter);
    public static readonly Parameter<string> NewDestPortRange = DestPortRange.AsRequired(ErrorCatalogue.AclMissingParameter);

    /// <summary>The answer of AddACLRule (spec §1.7): the rule as stored, every value as sent.</summary>
    public static readonly ResponseShape<AclRule> AddedRule = RuleFields(withType: true);

    public static readonly ActionDefinition AddRule = ActionDefinition.Define(
        "AddACLRule",
        "Adds a rule to an ACL (at most 50 per ACL); instances associated with the ACL apply it before the answer.",
        [
            RegionId, AclId, NewDirection, NewPolicy, NewIpProtocol, NewSourceCidr, NewSourcePortRange, NewDestCidr, NewDestPortRange,
            Priority, RuleType, RuleName, RuleDescription, DpiSignatureIds, DpiGroupIds,
        ],
        AddedRule,
        static (AclService acls, ActionContext a, CancellationToken ct) => acls.AddRuleAsync(a.Get(RegionId), new NewAclRule
        {
            AclId = a.Get(AclId),
            Direction = a.Get(NewDirection),
            Policy = a.Get(NewPolicy),
            IpProtocol = a.Get(NewIpProtocol),
            SourceCidr = a.Get(NewSourceCidr),
            SourcePortRange = a.Get(NewSourcePortRange),
            DestCidr = a.Get(NewDestCidr),
            DestPortRange = a.Get(NewDestPortRange),
            Priority = a.Get(Priority),
            Type = a.Get(RuleType),
            Name = a.Get(RuleName),
            Description = a.Get(RuleDescription),
            DpiGroupIds = a.Get(DpiGroupIds),
            DpiSignatureIds = a.Get(DpiSignatureIds),
        }, ct))
        .Raising(ErrorCatalogue.AclNotFound, ErrorCatalogue.AclRuleAmountLimit, ErrorCatalogue.AclInvalidPortRange);

    /// <summary>The answer of ModifyACLRule (spec §1.8): AddACLRule's fields without Type, as the SDK models have it.</summary>
    public static readonly ResponseShape<AclRule> ModifiedRule = RuleFields(withType: false);

    public static readonly ActionDefinition ModifyRule = ActionDefinition.Define(
        "ModifyACLRule",
        "Changes the fields of a rule that are sent and keeps the others (Dpi lists included); associated instances apply it before the answer.",
        [RegionId, AclId, AcrId, Direction, Policy, IpProtocol, SourceCidr, SourcePortRange, DestCidr, DestPortRange, Priority, RuleType, RuleName,
            RuleDescription, DpiSignatureIds, DpiGroupIds],
        ModifiedRule,
        static (AclService acls, ActionContext a, CancellationToken ct) => acls.ModifyRuleAsync(new AclRuleChange(a.Get(RegionId), a.Get(AclId), a.Get(AcrId))
        {
            Direction = a.Get(Direction),
            Policy = a.Get(Policy),
            IpProtocol = a.Get(IpProtocol),
            SourceCidr = a.Get(SourceCidr),
            SourcePortRange = a.Get(SourcePortRange),
            DestCidr = a.Get(DestCidr),
            DestPortRange = a.Get(DestPortRange),
            Priority = a.Get(Priority),
            Type = a.Get(RuleType),
            Name = a.Get(RuleName),
            Description = a.Get(RuleDescription),
            DpiGroupIds = ListIfSent(a.Get(DpiGroupIds)),
            DpiSignatureIds = ListIfSent(a.Get(DpiSignatureIds)),
        }, ct))
        .Raising(ErrorCatalogue.AclNotFound, ErrorCatalogue.AclRuleNotFound, ErrorCatalogue.AclInvalidPortRange);

    public static readonly ActionDefinition DeleteRule = ActionDefinition.Define(
        "DeleteACLRule",
        "Deletes a rule; instances associated with its ACL stop applying it before the answer.",
        [RegionId, AclId, AcrId],
        static (AclService acls, ActionContext a, CancellationToken ct) => acls.DeleteRuleAsync(a.Get(RegionId), a.Get(AclId), a.Get(AcrId), ct))
        .Raising(ErrorCatalogue.AclNotFound, ErrorCatalogue.AclRuleNotFound);

    public static readonly Parameter<string?> RuleNameFilter = Parameter.String("Name", "Part of the rule name.")
        .Matching(s => s.Length <= AclFields.NameMaxLength, "up to 128 characters").WhenInvalid(ErrorCatalogue.AclInvalidParameter);

    public static readonly Parameter<string?> Order = Parameter.String("Order", "Accepted for compatibility; ignored (the cloud documents no meaning for it).");

    /// <summary>
    /// A rule in DescribeACLAttribute (spec §1.10): AddACLRule's fields with its ACL's AclType (S1), and no Description
    /// when the rule has none (the current page: "not returned by default").
    /// </summary>
    public static readonly ResponseShape<(Acl Acl, AclRule Rule)> ListedRule = ResponseShape.Of<(Acl Acl, AclRule Rule)>()
        .String("AclId", x => x.Rule.AclId)
        .String("AcrId", x => x.Rule.AcrId)
        .String("Name", x => x.Rule.Name)
        .OptionalString("Description", x => x.Rule.Description.Length > 0 ? x.Rule.Description : null)
        .String("Direction", x => x.Rule.Direction)
        .String("Policy", x => x.Rule.Policy)
        .String("IpProtocol", x => x.Rule.IpProtocol)
        .String("SourceCidr", x => x.Rule.SourceCidr)
        .String("SourcePortRange", x => x.Rule.SourcePortRange)
        .String("DestCidr", x => x.Rule.DestCidr)
        .String("DestPortRange", x => x.Rule.DestPortRange)
        .Integer("Priority", x => x.Rule.Priority)
        .String("Type", x => x.Rule.Type)
        .String("AclType", x => x.Acl.AclType)
        .Long("GmtCreate", x => x.Rule.CreatedAt.ToUnixTimeMilliseconds())
        .OptionalStringList("DpiGroupIds", "DpiGroupId", x => x.Rule.DpiGroupIds)
        .OptionalStringList("DpiSignatureIds", "DpiSignatureId", x => x.Rule.DpiSignatureIds);

    public static readonly ActionDefinition Attribute = ActionDefinition.Define(
        "DescribeACLAttribute",
        "Lists the rules of an ACL by Priority, then age, paged.",
        [RegionId, AclId, Direction, RuleNameFilter, Order, AclPageNumber, AclPageSize],
        ResponseShape.Of<(Acl Acl, Page<AclRule> Rules)>()
            .Integer("TotalCount", x => x.Rules.TotalCount)
            .Integer("PageNumber", x => x.Rules.PageNumber)
            .Integer("PageSize", x => x.Rules.PageSize)
            .List("Acrs", "Acr", x => x.Rules.Items.Select(r => (x.Acl, r)), ListedRule),
        static (AclService acls, ActionContext a, CancellationToken ct) =>
            acls.ListRulesAsync(new AclRuleFilter(a.Get(RegionId), a.Get(AclId)) { Direction = a.Get(Direction), NameContains = a.Get(RuleNameFilter) },
                a.Get(AclPageNumber) ?? 1, a.Get(AclPageSize) ?? 10, ct))
        .Raising(ErrorCatalogue.AclNotFound);

    public static readonly ActionDefinition Associate = ActionDefinition.Define(
        "AssociateACL",
        "Associates an acl-software ACL with an instance (one per instance); its rules apply to the instance's sessions before the answer.",
        [RegionId, AclId, AclSmartAgId],
        static (AclService acls, ActionContext a, CancellationToken ct) => acls.AssociateAsync(a.Get(RegionId), a.Get(AclId), a.Get(AclSmartAgId), ct))
        .Raising(ErrorCatalogue.AclNotFound, ErrorCatalogue.AclInstanceNotFound, ErrorCatalogue.AclSoftwareNotSupported, ErrorCatalogue.AclAlreadyAssociated,
            ErrorCatalogue.AclPerInstanceLimit);

    public static readonly ActionDefinition Disassociate = ActionDefinition.Define(
        "DisassociateACL",
        "Ends an ACL's association with an instance; its rules stop applying to the instance's sessions before the answer.",
        [RegionId, AclId, AclSmartAgId],
        static (AclService acls, ActionContext a, CancellationToken ct) => acls.DisassociateAsync(a.Get(RegionId), a.Get(AclId), a.Get(AclSmartAgId), ct))
        .Raising(ErrorCatalogue.AclNotFound, ErrorCatalogue.AclInstanceNotFound, ErrorCatalogue.AclNotAssociated);

    public static IEnumerable<ActionDefinition> All => [Create, Delete, Modify, List, AddRule, ModifyRule, DeleteRule, Attribute, Associate, Disassociate];

    /// <summary>
    /// The ids of a comma-separated list (<c>AclIds</c>, <c>UnboundAclIds</c>: single strings, not repeat lists,
    /// spec §1.0), spaces around each ignored, empty items dropped.
    /// </summary>
    public static IReadOnlyList<string> CommaList(string value) =>
        value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    /// <summary>A Dpi list the request sent replaces the stored one; an omitted one is kept (spec §1.2 "Modify semantics").</summary>
    private static IReadOnlyList<string>? ListIfSent(IReadOnlyList<string> list) => list.Count > 0 ? list : null;

    private static ResponseShape<AclRule> RuleFields(bool withType)
    {
        var shape = ResponseShape.Of<AclRule>()
            .String("AclId", r => r.AclId)
            .String("AcrId", r => r.AcrId)
            .String("Name", r => r.Name)
            .String("Description", r => r.Description)
            .String("Direction", r => r.Direction)
            .String("Policy", r => r.Policy)
            .String("IpProtocol", r => r.IpProtocol)
            .String("SourceCidr", r => r.SourceCidr)
            .String("SourcePortRange", r => r.SourcePortRange)
            .String("DestCidr", r => r.DestCidr)
            .String("DestPortRange", r => r.DestPortRange)
            .Integer("Priority", r => r.Priority);
        if (withType)
        {
            shape = shape.String("Type", r => r.Type);
        }

        // Wrappers only when set: every SDK reads an absent list as empty (spec §1.7).
        return shape
            .Long("GmtCreate", r => r.CreatedAt.ToUnixTimeMilliseconds())
            .OptionalStringList("DpiGroupIds", "DpiGroupId", r => r.DpiGroupIds)
            .OptionalStringList("DpiSignatureIds", "DpiSignatureId", r => r.DpiSignatureIds);
    }
}
