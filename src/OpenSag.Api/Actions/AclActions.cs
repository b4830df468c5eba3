using Microsoft.Extensions.DependencyInjection;
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
/// invalid parameter (§1.0, §1.16), so every parameter here names the ACL forms of those errors.
/// </summary>
public static class AclActions
{
    private static readonly ParameterSpec AclId = new ParameterSpec("AclId", ParameterKind.String, "ID of the ACL (acl-…).")
        .AsRequired(ErrorCatalogue.AclMissingParameter).Matching(s => s.Length <= 64, UpTo64).WhenInvalid(ErrorCatalogue.AclNotFound);

    private static readonly ParameterSpec AcrId = new ParameterSpec("AcrId", ParameterKind.String, "ID of the rule (acr-…).")
        .AsRequired(ErrorCatalogue.AclMissingParameter).Matching(s => s.Length <= 64, UpTo64).WhenInvalid(ErrorCatalogue.AclRuleNotFound);

    private static readonly ParameterSpec AclSmartAgId = SmartAgId.AsRequired(ErrorCatalogue.AclMissingParameter).WhenInvalid(ErrorCatalogue.AclInstanceNotFound);

    private static readonly ParameterSpec AclName = new ParameterSpec("Name", ParameterKind.String, "Name of the ACL.")
        .AsRequired(ErrorCatalogue.AclMissingParameter).Matching(AclFields.IsName, AclFields.NameRule).WhenInvalid(ErrorCatalogue.AclInvalidName);

    private static readonly ParameterSpec AclType = Invalid(new ParameterSpec("AclType", ParameterKind.String,
        "acl-hardware (for SAG devices, the default) or acl-software (for SAG App instances: the only kind AssociateACL takes here).")
        .Matching(AclFields.IsAclType, AclFields.AclTypeRule));

    private static readonly ParameterSpec ResourceGroupId = Invalid(new ParameterSpec("ResourceGroupId", ParameterKind.String, "Resource group (stored and echoed).")
        .Matching(s => s.Length <= 64, UpTo64));

    private static readonly ParameterSpec AclPageNumber = Invalid(PageNumber);

    private static readonly ParameterSpec AclPageSize = Invalid(PageSize(50));

    // The rule fields (§1.2); AddACLRule requires the first seven.
    private static readonly ParameterSpec Direction = Invalid(new ParameterSpec("Direction", ParameterKind.String, "in (to the client) or out (from the client).")
        .Matching(AclFields.IsDirection, AclFields.DirectionRule));

    private static readonly ParameterSpec Policy = Invalid(new ParameterSpec("Policy", ParameterKind.String, "accept or drop.")
        .Matching(AclFields.IsPolicy, AclFields.PolicyRule));

    private static readonly ParameterSpec IpProtocol = new ParameterSpec("IpProtocol", ParameterKind.String, "Protocol the rule matches.")
        .Matching(AclFields.IsProtocol, AclFields.ProtocolRule).WhenInvalid(ErrorCatalogue.AclNotSupportedProtocol);

    private static readonly ParameterSpec SourceCidr = Invalid(new ParameterSpec("SourceCidr", ParameterKind.String, "Source block, e.g. 192.168.1.0/24.")
        .Matching(AclFields.IsCidr, AclFields.CidrRule));

    private static readonly ParameterSpec SourcePortRange = new ParameterSpec("SourcePortRange", ParameterKind.String, "Source ports, e.g. 1/200, or -1/-1.")
        .Matching(AclFields.IsPortRange, AclFields.PortRangeRule).WhenInvalid(ErrorCatalogue.AclInvalidPortRange);

    private static readonly ParameterSpec DestCidr = SourceCidr with { Name = "DestCidr", Description = "Destination block, e.g. 10.0.5.0/24." };

    private static readonly ParameterSpec DestPortRange = SourcePortRange with { Name = "DestPortRange", Description = "Destination ports, e.g. 80/80, or -1/-1." };

    private static readonly ParameterSpec Priority = Invalid(new ParameterSpec("Priority", ParameterKind.Integer, "1 is evaluated first (default 1).")
        .Between(AclFields.MinPriority, AclFields.MaxPriority));

    private static readonly ParameterSpec RuleType = new ParameterSpec("Type", ParameterKind.String, "LAN (default) or WAN; stored, not matched.")
        .Matching(AclFields.IsRuleType, AclFields.RuleTypeRule).WhenInvalid(ErrorCatalogue.AclInvalidRuleType);

    private static readonly ParameterSpec RuleName = Invalid(new ParameterSpec("Name", ParameterKind.String, "Name of the rule.")
        .Matching(AclFields.IsName, AclFields.NameRule));

    private static readonly ParameterSpec RuleDescription = new ParameterSpec("Description", ParameterKind.String, "Description of the rule.")
        .Matching(AclFields.IsDescription, AclFields.DescriptionRule).WhenInvalid(ErrorCatalogue.AclInvalidDescription);

    private static readonly ParameterSpec DpiSignatureIds = Invalid(new ParameterSpec("DpiSignatureIds", ParameterKind.StringList,
        "Application ids, DpiSignatureIds.1, …; stored, not matched.").AtMost(AclFields.MaxDpiIds).Matching(s => s.Length <= 64, UpTo64));

    private static readonly ParameterSpec DpiGroupIds = DpiSignatureIds with { Name = "DpiGroupIds", Description = "Application group ids, DpiGroupIds.1, …; stored, not matched." };

    public static readonly ActionDefinition Create = new(
        "CreateACL",
        "Creates an ACL (at most 10 per server).",
        [RegionId, AclName, AclType, ResourceGroupId],
        ["AclId", "AclType", "ResourceGroupId"],
        async (context, ct) =>
        {
            var a = context.Arguments;
            var acl = await Acls(context).CreateAsync(a.String("RegionId"), a.String("Name"), a.OptionalString("AclType"), a.OptionalString("ResourceGroupId"), ct);
            return new ResponseBody
            {
                { "AclId", acl.AclId },
                { "AclType", acl.AclType },
                { "ResourceGroupId", acl.ResourceGroupId },
            };
        });

    public static readonly ActionDefinition Delete = new(
        "DeleteACL",
        "Deletes an ACL with its rules; instances associated with it are disassociated.",
        [RegionId, AclId],
        [],
        async (context, ct) =>
        {
            var a = context.Arguments;
            await Acls(context).DeleteAsync(a.String("RegionId"), a.String("AclId"), ct);
            return ResponseBody.Empty;
        });

    public static readonly ActionDefinition Modify = new(
        "ModifyACL",
        "Renames an ACL.",
        [RegionId, AclId, AclName],
        [],
        async (context, ct) =>
        {
            var a = context.Arguments;
            await Acls(context).RenameAsync(a.String("RegionId"), a.String("AclId"), a.String("Name"), ct);
            return ResponseBody.Empty;
        });

    public static readonly ActionDefinition List = new(
        "DescribeACLs",
        "Lists the ACLs of a region, paged; ids that name no ACL match nothing.",
        [
            RegionId,
            Invalid(new ParameterSpec("AclIds", ParameterKind.String, "ACL ids separated by commas.").Matching(s => s.Length <= 2048, "up to 2048 characters")),
            AclType,
            Invalid(new ParameterSpec("Name", ParameterKind.String, "Exact ACL name.").Matching(s => s.Length <= AclFields.NameMaxLength, "up to 128 characters")),
            ResourceGroupId,
            AclPageNumber,
            AclPageSize,
        ],
        ["TotalCount", "PageNumber", "PageSize", "Acls.Acl[]"],
        async (context, ct) =>
        {
            var a = context.Arguments;
            var filter = new AclFilter(a.String("RegionId"))
            {
                AclIds = a.OptionalString("AclIds") is { } ids ? CommaList(ids) : null,
                Name = a.OptionalString("Name"),
                AclType = a.OptionalString("AclType"),
                ResourceGroupId = a.OptionalString("ResourceGroupId"),
            };
            var page = await Acls(context).ListAsync(filter, a.OptionalInteger("PageNumber") ?? 1, a.OptionalInteger("PageSize") ?? 10, ct);
            return new ResponseBody
            {
                { "TotalCount", page.TotalCount },
                { "PageNumber", page.PageNumber },
                { "PageSize", page.PageSize },
                { "Acls", new WrappedList("Acl", [.. page.Items.Select(AclItem)]) },
            };
        });

    public static readonly ActionDefinition AddRule = new(
        "AddACLRule",
        "Adds a rule to an ACL (at most 50 per ACL); instances associated with the ACL apply it before the answer.",
        [
            RegionId,
            AclId,
            Direction.AsRequired(ErrorCatalogue.AclMissingParameter),
            Policy.AsRequired(ErrorCatalogue.AclMissingParameter),
            IpProtocol.AsRequired(ErrorCatalogue.AclMissingParameter),
            SourceCidr.AsRequired(ErrorCatalogue.AclMissingParameter),
            SourcePortRange.AsRequired(ErrorCatalogue.AclMissingParameter),
            DestCidr.AsRequired(ErrorCatalogue.AclMissingParameter),
            DestPortRange.AsRequired(ErrorCatalogue.AclMissingParameter),
            Priority,
            RuleType,
            RuleName,
            RuleDescription,
            DpiSignatureIds,
            DpiGroupIds,
        ],
        ["AclId", "AcrId", "Name", "Description", "Direction", "Policy", "IpProtocol", "SourceCidr", "SourcePortRange", "DestCidr", "DestPortRange",
            "Priority", "Type", "GmtCreate", "DpiGroupIds.DpiGroupId[] (when set)", "DpiSignatureIds.DpiSignatureId[] (when set)"],
        async (context, ct) =>
        {
            var a = context.Arguments;
            var rule = await Acls(context).AddRuleAsync(a.String("RegionId"), new NewAclRule
            {
                AclId = a.String("AclId"),
                Direction = a.String("Direction"),
                Policy = a.String("Policy"),
                IpProtocol = a.String("IpProtocol"),
                SourceCidr = a.String("SourceCidr"),
                SourcePortRange = a.String("SourcePortRange"),
                DestCidr = a.String("DestCidr"),
                DestPortRange = a.String("DestPortRange"),
                Priority = a.OptionalInteger("Priority"),
                Type = a.OptionalString("Type"),
                Name = a.OptionalString("Name"),
                Description = a.OptionalString("Description"),
                DpiGroupIds = a.List("DpiGroupIds"),
                DpiSignatureIds = a.List("DpiSignatureIds"),
            }, ct);
            return RuleBody(rule, withType: true, descriptionWhenEmpty: true);
        });

    public static readonly ActionDefinition ModifyRule = new(
        "ModifyACLRule",
        "Changes the fields of a rule that are sent; the others, Dpi lists included, are kept.",
        [RegionId, AclId, AcrId, Direction, Policy, IpProtocol, SourceCidr, SourcePortRange, DestCidr, DestPortRange, Priority, RuleType, RuleName, RuleDescription,
            DpiSignatureIds, DpiGroupIds],
        ["AclId", "AcrId", "Name", "Description", "Direction", "Policy", "IpProtocol", "SourceCidr", "SourcePortRange", "DestCidr", "DestPortRange",
            "Priority", "GmtCreate", "DpiGroupIds.DpiGroupId[] (when set)", "DpiSignatureIds.DpiSignatureId[] (when set)"],
        async (context, ct) =>
        {
            var a = context.Arguments;
            var rule = await Acls(context).ModifyRuleAsync(new AclRuleChange(a.String("RegionId"), a.String("AclId"), a.String("AcrId"))
            {
                Direction = a.OptionalString("Direction"),
                Policy = a.OptionalString("Policy"),
                IpProtocol = a.OptionalString("IpProtocol"),
                SourceCidr = a.OptionalString("SourceCidr"),
                SourcePortRange = a.OptionalString("SourcePortRange"),
                DestCidr = a.OptionalString("DestCidr"),
                DestPortRange = a.OptionalString("DestPortRange"),
                Priority = a.OptionalInteger("Priority"),
                Type = a.OptionalString("Type"),
                Name = a.OptionalString("Name"),
                Description = a.OptionalString("Description"),
                DpiGroupIds = ListIfSent(a, "DpiGroupIds"),
                DpiSignatureIds = ListIfSent(a, "DpiSignatureIds"),
            }, ct);

            // The SDKs' ModifyACLRule answer has no Type (spec §1.8).
            return RuleBody(rule, withType: false, descriptionWhenEmpty: true);
        });

    public static readonly ActionDefinition DeleteRule = new(
        "DeleteACLRule",
        "Deletes a rule; instances associated with its ACL stop applying it before the answer.",
        [RegionId, AclId, AcrId],
        [],
        async (context, ct) =>
        {
            var a = context.Arguments;
            await Acls(context).DeleteRuleAsync(a.String("RegionId"), a.String("AclId"), a.String("AcrId"), ct);
            return ResponseBody.Empty;
        });

    public static readonly ActionDefinition Attribute = new(
        "DescribeACLAttribute",
        "Lists the rules of an ACL by Priority, then age, paged.",
        [
            RegionId,
            AclId,
            Direction,
            Invalid(new ParameterSpec("Name", ParameterKind.String, "Part of the rule name.").Matching(s => s.Length <= AclFields.NameMaxLength, "up to 128 characters")),
            new ParameterSpec("Order", ParameterKind.String, "Accepted for compatibility; ignored (the cloud documents no meaning)."),
            AclPageNumber,
            AclPageSize,
        ],
        ["TotalCount", "PageNumber", "PageSize", "Acrs.Acr[]"],
        async (context, ct) =>
        {
            var a = context.Arguments;
            var filter = new AclRuleFilter(a.String("RegionId"), a.String("AclId")) { Direction = a.OptionalString("Direction"), NameContains = a.OptionalString("Name") };
            var (acl, page) = await Acls(context).ListRulesAsync(filter, a.OptionalInteger("PageNumber") ?? 1, a.OptionalInteger("PageSize") ?? 10, ct);
            return new ResponseBody
            {
                { "TotalCount", page.TotalCount },
                { "PageNumber", page.PageNumber },
                { "PageSize", page.PageSize },
                { "Acrs", new WrappedList("Acr", [.. page.Items.Select(r => RuleItem(acl, r))]) },
            };
        });

    public static readonly ActionDefinition Associate = new(
        "AssociateACL",
        "Associates an acl-software ACL with an instance (one per instance); its rules apply to the instance's sessions before the answer.",
        [RegionId, AclId, AclSmartAgId],
        [],
        async (context, ct) =>
        {
            var a = context.Arguments;
            await Acls(context).AssociateAsync(a.String("RegionId"), a.String("AclId"), a.String("SmartAGId"), ct);
            return ResponseBody.Empty;
        });

    public static readonly ActionDefinition Disassociate = new(
        "DisassociateACL",
        "Ends an ACL's association with an instance; its rules stop applying before the answer.",
        [RegionId, AclId, AclSmartAgId],
        [],
        async (context, ct) =>
        {
            var a = context.Arguments;
            await Acls(context).DisassociateAsync(a.String("RegionId"), a.String("AclId"), a.String("SmartAGId"), ct);
            return ResponseBody.Empty;
        });

    public static IEnumerable<ActionDefinition> All => [Create, Delete, Modify, List, AddRule, ModifyRule, DeleteRule, Attribute, Associate, Disassociate];

    /// <summary>
    /// The ids of a comma-separated list (<c>AclIds</c>, <c>UnboundAclIds</c>: single strings, not repeat lists,
    /// spec §1.0), spaces around each ignored, empty items dropped.
    /// </summary>
    public static IReadOnlyList<string> CommaList(string value) =>
        value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The ACL actions answer an invalid value with their own 403 InvalidParameter (spec §1.16).</summary>
    private static ParameterSpec Invalid(ParameterSpec spec) => spec.WhenInvalid(ErrorCatalogue.AclInvalidParameter);

    /// <summary>A Dpi list the request sent replaces the stored one; an omitted one is kept (spec §1.2).</summary>
    private static IReadOnlyList<string>? ListIfSent(ActionArguments a, string name) => a.List(name) is { Count: > 0 } list ? list : null;

    private static ResponseBody AclItem(AclSummary summary) => new()
    {
        { "AclId", summary.Acl.AclId },
        { "Name", summary.Acl.Name },
        { "AclType", summary.Acl.AclType },
        { "ResourceGroupId", summary.Acl.ResourceGroupId },

        // A String in every SDK (spec §1.0 "Type fidelity"), though the doc examples print a number.
        { "SagCount", summary.SagCount.ToString(System.Globalization.CultureInfo.InvariantCulture) },
    };

    /// <summary>An item of DescribeACLAttribute: the rule, with its ACL's type (S1), and no Description when it has none (§1.10).</summary>
    private static ResponseBody RuleItem(Acl acl, AclRule rule)
    {
        var body = RuleBody(rule, withType: true, descriptionWhenEmpty: false);
        body.Add("AclType", acl.AclType);
        return body;
    }

    private static ResponseBody RuleBody(AclRule rule, bool withType, bool descriptionWhenEmpty)
    {
        var body = new ResponseBody
        {
            { "AclId", rule.AclId },
            { "AcrId", rule.AcrId },
            { "Name", rule.Name },
        };
        if (descriptionWhenEmpty || rule.Description.Length > 0)
        {
            body.Add("Description", rule.Description);
        }

        body.Add("Direction", rule.Direction);
        body.Add("Policy", rule.Policy);
        body.Add("IpProtocol", rule.IpProtocol);
        body.Add("SourceCidr", rule.SourceCidr);
        body.Add("SourcePortRange", rule.SourcePortRange);
        body.Add("DestCidr", rule.DestCidr);
        body.Add("DestPortRange", rule.DestPortRange);
        body.Add("Priority", rule.Priority);
        if (withType)
        {
            body.Add("Type", rule.Type);
        }

        body.Add("GmtCreate", rule.CreatedAt.ToUnixTimeMilliseconds());

        // Wrappers only when set: every SDK reads an absent list as empty (spec §1.7).
        if (rule.DpiGroupIds.Count > 0)
        {
            body.Add("DpiGroupIds", new WrappedList("DpiGroupId", [.. rule.DpiGroupIds]));
        }

        if (rule.DpiSignatureIds.Count > 0)
        {
            body.Add("DpiSignatureIds", new WrappedList("DpiSignatureId", [.. rule.DpiSignatureIds]));
        }

        return body;
    }

    private static AclService Acls(ActionContext context) => context.Services.GetRequiredService<AclService>();
}
