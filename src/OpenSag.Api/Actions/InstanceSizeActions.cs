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
    /// <summary>A multiple of 5 from 5 to 1000 (<see cref="InstanceSize"/>).</summary>
    public static readonly Parameter<int> UserCount = Parameter.Integer("UserCount", "The new most client accounts.")
        .AsRequired().Between(InstanceSize.MinUserCount, InstanceSize.MaxUserCount).MultipleOf(InstanceSize.UserCountStep)
        .WhenInvalid(ErrorCatalogue.InvalidUserCount);

    public static readonly Parameter<long> DataPlan = Parameter.Long("DataPlan", "GB per account per month; 5 is the only value.")
        .AsRequired().OneOf(InstanceSize.DataPlan).WhenInvalid(ErrorCatalogue.InvalidDataPlan);

    /// <summary>Text, not Boolean: the 2020 documentation gave 1/0, the SDKs send true/false (§2.1). Recorded nowhere: nothing is billed.</summary>
    public static readonly Parameter<string> AutoPay = Parameter.String("AutoPay", "Accepted (nothing is billed here).")
        .AsRequired().Matching(IsAutoPay, "true, false, 1 or 0 (any letter case)");

    public static readonly ResponseShape<string> OrderAnswer = ResponseShape.Of<string>().String("OrderId", orderId => orderId);

    public static readonly ActionDefinition Upgrade = ActionDefinition.Define(
        "UpgradeSmartAccessGatewaySoftware",
        "Raises an instance's UserCount (a multiple of 5, at most 1000), at once.",
        [RegionId, SmartAgId, UserCount, DataPlan, AutoPay],
        OrderAnswer,
        static (InstanceService instances, ActionContext a, CancellationToken ct) =>
            instances.ResizeAsync(a.Get(RegionId), a.Get(SmartAgId), InstanceResize.Upgrade, a.Get(UserCount), a.Get(DataPlan), ct))
        .Raising(ErrorCatalogue.InstanceNotFound);

    public static readonly ActionDefinition Downgrade = ActionDefinition.Define(
        "DowngradeSmartAccessGatewaySoftware",
        "Lowers an instance's UserCount (a multiple of 5, not below its client accounts), at once.",
        [RegionId, SmartAgId, UserCount, DataPlan, AutoPay],
        OrderAnswer,
        static (InstanceService instances, ActionContext a, CancellationToken ct) =>
            instances.ResizeAsync(a.Get(RegionId), a.Get(SmartAgId), InstanceResize.Downgrade, a.Get(UserCount), a.Get(DataPlan), ct))
        .Raising(ErrorCatalogue.InstanceNotFound);

    public static IEnumerable<ActionDefinition> All => [Upgrade, Downgrade];

    private static bool IsAutoPay(string value) =>
        value is "1" or "0" || value.Equals("true", StringComparison.OrdinalIgnoreCase) || value.Equals("false", StringComparison.OrdinalIgnoreCase);
}
