using System.Text.RegularExpressions;
using OpenSag.Api.Catalogue;
using OpenSag.Api.Responses;
using OpenSag.Domain;
using OpenSag.Errors;
using OpenSag.Services;
using OpenSag.Storage;
using static OpenSag.Api.Catalogue.WireParameters;

namespace OpenSag.Api.Actions;

/// <summary>SAG App instances: spec/smartag-api.md §1.16, §1.21, §1.22 and ModifySmartAccessGateway.</summary>
public static partial class InstanceActions
{
    /// <summary>Every instance answers with this resource group: a self-hosted gateway has no resource groups.</summary>
    public const string DefaultResourceGroupId = "rg-default";

    /// <summary>
    /// The items of a list a SAG App instance never has (hardware links and devices): declared so the wrapper is sent
    /// as the SDKs expect, always empty.
    /// </summary>
    private static readonly IReadOnlyList<object> NoItems = [];

    public static readonly Parameter<string> ChargeType = Parameter.String("ChargeType", "Charge type (PREPAY is the only one).")
        .AsRequired().Matching(s => s == "PREPAY", "PREPAY");

    public static readonly Parameter<int> Period = Parameter.Integer("Period", "Months the instance is bought for (recorded).")
        .AsRequired().OneOf(1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 24, 36);

    public static readonly Parameter<int> UserCount = Parameter.Integer("UserCount", "Most client accounts the instance holds.").AsRequired().Between(1, 100_000);

    public static readonly Parameter<long> DataPlan = Parameter.Long("DataPlan", "GB per account per month (recorded; not enforced).").AsRequired().Between(1, 1_000_000);

    public static readonly Parameter<bool> AutoPay = Parameter.Boolean("AutoPay", "Recorded (nothing is billed here).").AsRequired();

    public static readonly ActionDefinition Create = ActionDefinition.Define(
        "CreateSmartAccessGatewaySoftware",
        "Creates a SAG App instance, active at once.",
        [RegionId, ChargeType, Period, UserCount, DataPlan, AutoPay],
        ResponseShape.Of<Instance>()
            .String("SmartAGId", i => i.SmartAGId)
            .String("OrderId", i => i.OrderId)
            .String("ResourceGroupId", _ => DefaultResourceGroupId),
        static (InstanceService instances, ActionContext a, CancellationToken ct) =>
            instances.CreateAsync(a.Get(RegionId), a.Get(ChargeType), a.Get(Period), a.Get(UserCount), a.Get(DataPlan), a.Get(AutoPay), ct));

    public static readonly Parameter<string?> Name = Parameter.String("Name", "Instance name.")
        .Matching(IsName, "2–128 characters: letters of any script (Chinese too), digits 0–9, . _ -, starting with a letter");

    public static readonly Parameter<string?> Description = Parameter.String("Description", "Instance description.")
        .Matching(IsDescription, "2–256 characters, starting with a letter of any script (Chinese too), not with http:// or https://");

    public static readonly Parameter<string?> CidrBlock = Parameter.String("CidrBlock", "Client address space, e.g. 10.10.0.0/24.")
        .Matching(IsCidr, "an IPv4 block a.b.c.d/n with n from 8 to 30 (host bits are masked)");

    public static readonly Parameter<int?> SecurityLockThreshold = Parameter.Integer("SecurityLockThreshold", "Offline lock threshold in seconds.").Between(0, int.MaxValue);

    public static readonly ActionDefinition Modify = ActionDefinition.Define(
        "ModifySmartAccessGateway",
        "Changes an instance's name, description, client CIDR block or lock threshold.",
        [RegionId, SmartAgId, Name, Description, CidrBlock, SecurityLockThreshold],
        static (InstanceService instances, ActionContext a, CancellationToken ct) =>
        {
            ClientAddressSpace? cidr = a.Get(CidrBlock) is { } text && ClientAddressSpace.TryParse(text, out var parsed) ? parsed : null;
            return instances.ModifyAsync(a.Get(RegionId), a.Get(SmartAgId), a.Get(Name), a.Get(Description), cidr, a.Get(SecurityLockThreshold), ct);
        })
        .Raising(ErrorCatalogue.InstanceNotFound, ErrorCatalogue.CidrOverlap);

    public static readonly Parameter<string?> SmartAgIdFilter = SmartAgId.AsOptional();

    public static readonly Parameter<string?> NameFilter = Parameter.String("Name", "Exact instance name.");

    public static readonly Parameter<string?> StatusFilter = Parameter.String("Status", "Instance status, e.g. Active.");

    public static readonly Parameter<string?> InstanceTypeFilter = Parameter.String("InstanceType", "software (SAG App) or hardware.");

    public static readonly Parameter<int?> InstancesPageSize = PageSize(50);

    /// <summary>ACL ids as one comma-separated string, not a repeat list (spec/smartag-acl-and-more.md §1.0, §1.13).</summary>
    public static readonly Parameter<string?> AclIdsFilter = Parameter.String("AclIds", "Instances associated with one of these ACLs (ids separated by commas).")
        .Matching(s => s.Length <= 2048, "ACL ids separated by commas, up to 2048 characters");

    public static readonly Parameter<string?> UnboundAclIdsFilter = Parameter.String("UnboundAclIds", "Instances associated with none of these ACLs (ids separated by commas).")
        .Matching(s => s.Length <= 2048, "ACL ids separated by commas, up to 2048 characters");

    /// <summary>Fields of an instance in DescribeSmartAccessGateways (spec §1.22).</summary>
    public static readonly ResponseShape<Instance> ListItem = ResponseShape.Of<Instance>()
        .String("SmartAGId", i => i.SmartAGId)
        .String("Name", i => i.Name)
        .String("Description", i => i.Description)
        .String("Status", _ => Instance.ActiveStatus)
        .String("CidrBlock", i => i.CidrBlock)
        .String("MaxBandwidth", _ => "")
        .Integer("UserCount", i => i.UserCount)
        .Long("DataPlan", i => i.DataPlan)
        .Long("AccelerateBandwidth", _ => 0L)
        .Long("CreateTime", i => i.CreatedAt.ToUnixTimeMilliseconds())
        .Long("EndTime", i => i.EndsAt.ToUnixTimeMilliseconds())
        .Integer("SecurityLockThreshold", i => i.SecurityLockThreshold)
        .String("ResourceGroupId", _ => DefaultResourceGroupId)
        .String("SoftwareVersion", _ => "")
        .String("SerialNumber", _ => "")
        .String("City", _ => "")
        .String("AssociatedCcnId", _ => "")
        .String("AssociatedCcnName", _ => "")
        .String("EnterpriseCode", i => i.EnterpriseCode)

        // A plain String in every SDK (spec/smartag-acl-and-more.md §1.13): the one ACL id, "" when none.
        .String("AclIds", i => i.AclId)
        .List("Links", "Link", _ => NoItems, ResponseShape.Of<object>());

    public static readonly ActionDefinition List = ActionDefinition.Define(
        "DescribeSmartAccessGateways",
        "Lists the instances of a region, paged.",
        [RegionId, SmartAgIdFilter, SmartAgIds, NameFilter, StatusFilter, InstanceTypeFilter, AclIdsFilter, UnboundAclIdsFilter, PageNumber, InstancesPageSize],
        ResponseShape.Of<Page<Instance>>()
            .Integer("TotalCount", p => p.TotalCount)
            .Integer("PageNumber", p => p.PageNumber)
            .Integer("PageSize", p => p.PageSize)
            .List("SmartAccessGateways", "SmartAccessGateway", p => p.Items, ListItem),
        static (InstanceService instances, ActionContext a, CancellationToken ct) =>
        {
            var ids = a.Get(SmartAgIds).ToList();
            if (a.Get(SmartAgIdFilter) is { } single)
            {
                ids.Add(single);
            }

            var filter = new InstanceFilter(a.Get(RegionId))
            {
                SmartAGIds = ids.Count > 0 ? ids : null,
                Name = a.Get(NameFilter),
                Status = a.Get(StatusFilter),
                InstanceType = a.Get(InstanceTypeFilter),
                AclIds = a.Get(AclIdsFilter) is { } bound ? AclActions.CommaList(bound) : null,
                UnboundAclIds = a.Get(UnboundAclIdsFilter) is { } unbound ? AclActions.CommaList(unbound) : null,
            };
            return instances.ListAsync(filter, a.Get(PageNumber) ?? 1, a.Get(InstancesPageSize) ?? 10, ct);
        });

    /// <summary>Fields of DescribeSmartAccessGatewayAttribute (spec §1.21); hardware-only lists are always empty here.</summary>
    public static readonly ResponseShape<Instance> AttributeShape = ResponseShape.Of<Instance>()
        .String("SmartAGId", i => i.SmartAGId)
        .String("Name", i => i.Name)
        .String("Description", i => i.Description)
        .String("Status", _ => Instance.ActiveStatus)
        .String("InstanceType", _ => Instance.InstanceType)
        .String("CidrBlock", i => i.CidrBlock)
        .String("MaxBandwidth", _ => "")
        .Integer("UserCount", i => i.UserCount)
        .Long("DataPlan", i => i.DataPlan)
        .Long("AccelerateBandwidth", _ => 0L)
        .Long("CreateTime", i => i.CreatedAt.ToUnixTimeMilliseconds())
        .Long("EndTime", i => i.EndsAt.ToUnixTimeMilliseconds())
        .Integer("SecurityLockThreshold", i => i.SecurityLockThreshold)
        .String("ResourceGroupId", _ => DefaultResourceGroupId)
        .String("City", _ => "")
        .String("Position", _ => "")
        .String("SerialNumber", _ => "")
        .String("AssociatedCcnId", _ => "")
        .String("AssociatedCcnName", _ => "")
        .StringList("AclIds", "AclId", i => i.AclId.Length > 0 ? [i.AclId] : [])
        .StringList("QosIds", "QosId", _ => [])
        .StringList("FlowLogIds", "FlowLogId", _ => [])
        .StringList("IRIds", "IRId", _ => [])
        .List("Devices", "Device", _ => NoItems, ResponseShape.Of<object>())
        .List("Links", "Link", _ => NoItems, ResponseShape.Of<object>());

    public static readonly ActionDefinition Attribute = ActionDefinition.Define(
        "DescribeSmartAccessGatewayAttribute",
        "Shows one instance.",
        [RegionId, SmartAgId],
        AttributeShape,
        static (InstanceService instances, ActionContext a, CancellationToken ct) => instances.GetAsync(a.Get(RegionId), a.Get(SmartAgId), ct))
        .Raising(ErrorCatalogue.InstanceNotFound);

    public static IEnumerable<ActionDefinition> All => [Create, Modify, List, Attribute];

    private static bool IsName(string value) => value.Length is >= 2 and <= 128 && NamePattern().IsMatch(value) && !IsUrl(value);

    private static bool IsDescription(string value) => value.Length is >= 2 and <= 256 && StartsWithLetter(value) && !IsUrl(value);

    private static bool StartsWithLetter(string value) => char.IsLetter(value[0]);

    private static bool IsUrl(string value) =>
        value.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || value.StartsWith("https://", StringComparison.OrdinalIgnoreCase);

    [GeneratedRegex(@"^\p{L}[\p{L}0-9._-]*\z")]
    private static partial Regex NamePattern();
}
