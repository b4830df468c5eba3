using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using OpenSag.Api.Catalogue;
using OpenSag.Api.Responses;
using OpenSag.Domain;
using OpenSag.Services;
using OpenSag.Storage;
using static OpenSag.Api.Catalogue.WireParameters;

namespace OpenSag.Api.Actions;

/// <summary>SAG App instances: spec/smartag-api.md §1.16, §1.21, §1.22 and ModifySmartAccessGateway.</summary>
public static partial class InstanceActions
{
    /// <summary>Every instance answers with this resource group: a self-hosted gateway has no resource groups.</summary>
    public const string DefaultResourceGroupId = "rg-default";

    public static readonly ActionDefinition Create = new(
        "CreateSmartAccessGatewaySoftware",
        "Creates a SAG App instance, active at once.",
        [
            RegionId,
            new ParameterSpec("ChargeType", ParameterKind.String, "Charge type (PREPAY is the only one).").AsRequired().Matching(s => s == "PREPAY", "PREPAY"),
            new ParameterSpec("Period", ParameterKind.Integer, "Months the instance is bought for (recorded).").AsRequired().OneOf(1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 24, 36),
            new ParameterSpec("UserCount", ParameterKind.Integer, "Most client accounts the instance holds.").AsRequired().Between(1, 100_000),
            new ParameterSpec("DataPlan", ParameterKind.Long, "GB per account per month (recorded; not enforced).").AsRequired().Between(1, 1_000_000),
            new ParameterSpec("AutoPay", ParameterKind.Boolean, "Recorded (nothing is billed here).").AsRequired(),
        ],
        ["SmartAGId", "OrderId", "ResourceGroupId"],
        async (context, ct) =>
        {
            var a = context.Arguments;
            var instance = await Instances(context).CreateAsync(a.String("RegionId"), a.String("ChargeType"), a.Integer("Period"),
                a.Integer("UserCount"), a.Long("DataPlan"), a.Boolean("AutoPay"), ct);
            return new ResponseBody
            {
                { "SmartAGId", instance.SmartAGId },
                { "OrderId", instance.OrderId },
                { "ResourceGroupId", DefaultResourceGroupId },
            };
        });

    public static readonly ActionDefinition Modify = new(
        "ModifySmartAccessGateway",
        "Changes an instance's name, description, client CIDR block or lock threshold.",
        [
            RegionId,
            SmartAgId,
            new ParameterSpec("Name", ParameterKind.String, "Instance name.")
                .Matching(IsName, "2–128 characters: letters of any script (Chinese too), digits 0–9, . _ -, starting with a letter"),
            new ParameterSpec("Description", ParameterKind.String, "Instance description.")
                .Matching(IsDescription, "2–256 characters, starting with a letter of any script (Chinese too), not with http:// or https://"),
            new ParameterSpec("CidrBlock", ParameterKind.String, "Client address space, e.g. 10.10.0.0/24.")
                .Matching(IsCidr, "an IPv4 block a.b.c.d/n with n from 8 to 30 (host bits are masked)"),
            new ParameterSpec("SecurityLockThreshold", ParameterKind.Integer, "Offline lock threshold in seconds.").Between(0, int.MaxValue),
        ],
        [],
        async (context, ct) =>
        {
            var a = context.Arguments;
            ClientAddressSpace? cidr = a.OptionalString("CidrBlock") is { } text && ClientAddressSpace.TryParse(text, out var parsed) ? parsed : null;
            await Instances(context).ModifyAsync(a.String("RegionId"), a.String("SmartAGId"), a.OptionalString("Name"),
                a.OptionalString("Description"), cidr, a.OptionalInteger("SecurityLockThreshold"), ct);
            return ResponseBody.Empty;
        });

    public static readonly ActionDefinition List = new(
        "DescribeSmartAccessGateways",
        "Lists the instances of a region, paged.",
        [
            RegionId,
            SmartAgId with { Required = false },
            SmartAgIds,
            new ParameterSpec("Name", ParameterKind.String, "Exact instance name."),
            new ParameterSpec("Status", ParameterKind.String, "Instance status, e.g. Active."),
            new ParameterSpec("InstanceType", ParameterKind.String, "software (SAG App) or hardware."),
            PageNumber,
            PageSize(50),
        ],
        ["TotalCount", "PageNumber", "PageSize", "SmartAccessGateways.SmartAccessGateway[]"],
        async (context, ct) =>
        {
            var a = context.Arguments;
            var ids = a.List("SmartAGIds").ToList();
            if (a.OptionalString("SmartAGId") is { } single)
            {
                ids.Add(single);
            }

            var filter = new InstanceFilter(a.String("RegionId"))
            {
                SmartAGIds = ids.Count > 0 ? ids : null,
                Name = a.OptionalString("Name"),
                Status = a.OptionalString("Status"),
                InstanceType = a.OptionalString("InstanceType"),
            };
            var page = await Instances(context).ListAsync(filter, a.OptionalInteger("PageNumber") ?? 1, a.OptionalInteger("PageSize") ?? 10, ct);
            return new ResponseBody
            {
                { "TotalCount", page.TotalCount },
                { "PageNumber", page.PageNumber },
                { "PageSize", page.PageSize },
                { "SmartAccessGateways", new WrappedList("SmartAccessGateway", [.. page.Items.Select(ListItem)]) },
            };
        });

    public static readonly ActionDefinition Attribute = new(
        "DescribeSmartAccessGatewayAttribute",
        "Shows one instance.",
        [RegionId, SmartAgId],
        ["SmartAGId", "Name", "Description", "Status", "InstanceType", "CidrBlock", "UserCount", "DataPlan", "CreateTime", "EndTime", "…"],
        async (context, ct) =>
        {
            var a = context.Arguments;
            var i = await Instances(context).GetAsync(a.String("RegionId"), a.String("SmartAGId"), ct);
            return new ResponseBody
            {
                { "SmartAGId", i.SmartAGId },
                { "Name", i.Name },
                { "Description", i.Description },
                { "Status", Instance.ActiveStatus },
                { "InstanceType", Instance.InstanceType },
                { "CidrBlock", i.CidrBlock },
                { "MaxBandwidth", "" },
                { "UserCount", i.UserCount },
                { "DataPlan", i.DataPlan },
                { "AccelerateBandwidth", 0L },
                { "CreateTime", i.CreatedAt.ToUnixTimeMilliseconds() },
                { "EndTime", i.EndsAt.ToUnixTimeMilliseconds() },
                { "SecurityLockThreshold", i.SecurityLockThreshold },
                { "ResourceGroupId", DefaultResourceGroupId },
                { "City", "" },
                { "Position", "" },
                { "SerialNumber", "" },
                { "AssociatedCcnId", "" },
                { "AssociatedCcnName", "" },
                { "AclIds", new WrappedList("AclId", []) },
                { "QosIds", new WrappedList("QosId", []) },
                { "FlowLogIds", new WrappedList("FlowLogId", []) },
                { "IRIds", new WrappedList("IRId", []) },
                { "Devices", new WrappedList("Device", []) },
                { "Links", new WrappedList("Link", []) },
            };
        });

    public static IEnumerable<ActionDefinition> All => [Create, Modify, List, Attribute];

    private static ResponseBody ListItem(Instance i) => new()
    {
        { "SmartAGId", i.SmartAGId },
        { "Name", i.Name },
        { "Description", i.Description },
        { "Status", Instance.ActiveStatus },
        { "CidrBlock", i.CidrBlock },
        { "MaxBandwidth", "" },
        { "UserCount", i.UserCount },
        { "DataPlan", i.DataPlan },
        { "AccelerateBandwidth", 0L },
        { "CreateTime", i.CreatedAt.ToUnixTimeMilliseconds() },
        { "EndTime", i.EndsAt.ToUnixTimeMilliseconds() },
        { "SecurityLockThreshold", i.SecurityLockThreshold },
        { "ResourceGroupId", DefaultResourceGroupId },
        { "SoftwareVersion", "" },
        { "SerialNumber", "" },
        { "City", "" },
        { "AssociatedCcnId", "" },
        { "AssociatedCcnName", "" },
        { "EnterpriseCode", i.EnterpriseCode },
        { "Links", new WrappedList("Link", []) },
    };

    private static InstanceService Instances(ActionContext context) => context.Services.GetRequiredService<InstanceService>();

    private static bool IsName(string value) => value.Length is >= 2 and <= 128 && NamePattern().IsMatch(value) && !IsUrl(value);

    private static bool IsDescription(string value) => value.Length is >= 2 and <= 256 && StartsWithLetter(value) && !IsUrl(value);

    private static bool StartsWithLetter(string value) => char.IsLetter(value[0]);

    private static bool IsUrl(string value) =>
        value.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || value.StartsWith("https://", StringComparison.OrdinalIgnoreCase);

    [GeneratedRegex(@"^\p{L}[\p{L}0-9._-]*$")]
    private static partial Regex NamePattern();
}
