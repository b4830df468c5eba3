using Microsoft.Extensions.DependencyInjection;
using OpenSag.Api.Catalogue;
using OpenSag.Api.Responses;
using OpenSag.Domain;
using OpenSag.Errors;
using OpenSag.Services;
using static OpenSag.Api.Catalogue.WireParameters;

namespace OpenSag.Api.Actions;

/// <summary>Upgrade/DowngradeSmartAccessGatewaySoftware: spec/smartag-acl-and-more.md §2.1, applied at once.</summary>
public static class InstanceSizeActions
{
    private static readonly IReadOnlyList<ParameterSpec> Size =
    [
        RegionId,
        SmartAgId,
        new ParameterSpec("UserCount", ParameterKind.Integer, "The new most client accounts.")
            .AsRequired().Between(InstanceSize.MinUserCount, InstanceSize.MaxUserCount).WhenInvalid(ErrorCatalogue.InvalidUserCount),
        new ParameterSpec("DataPlan", ParameterKind.Long, "GB per account per month; 5 is the only value.")
            .AsRequired().OneOf(InstanceSize.DataPlan).WhenInvalid(ErrorCatalogue.InvalidDataPlan),
        // String, not Boolean: the 2020 documentation gave 1/0, the SDKs send true/false (§2.1).
        new ParameterSpec("AutoPay", ParameterKind.String, "Recorded (nothing is billed here).")
            .AsRequired().Matching(IsAutoPay, "true, false, 1 or 0 (any letter case)"),
    ];

    public static readonly ActionDefinition Upgrade = new(
        "UpgradeSmartAccessGatewaySoftware",
        "Raises an instance's UserCount (a multiple of 5, at most 1000), at once.",
        Size,
        ["OrderId"],
        (context, ct) => ResizeAsync(context, InstanceResize.Upgrade, ct));

    public static readonly ActionDefinition Downgrade = new(
        "DowngradeSmartAccessGatewaySoftware",
        "Lowers an instance's UserCount (a multiple of 5, not below its client accounts), at once.",
        Size,
        ["OrderId"],
        (context, ct) => ResizeAsync(context, InstanceResize.Downgrade, ct));

    public static IEnumerable<ActionDefinition> All => [Upgrade, Downgrade];

    private static async Task<ResponseBody> ResizeAsync(ActionContext context, InstanceResize resize, CancellationToken ct)
    {
        var a = context.Arguments;
        var orderId = await context.Services.GetRequiredService<InstanceService>()
            .ResizeAsync(a.String("RegionId"), a.String("SmartAGId"), resize, a.Integer("UserCount"), a.Long("DataPlan"), ct);
        return new ResponseBody { { "OrderId", orderId } };
    }

    private static bool IsAutoPay(string value) =>
        value is "1" or "0" || value.Equals("true", StringComparison.OrdinalIgnoreCase) || value.Equals("false", StringComparison.OrdinalIgnoreCase);
}
