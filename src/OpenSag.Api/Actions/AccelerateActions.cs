using OpenSag.Api.Catalogue;
using OpenSag.Errors;
using OpenSag.Services;
using static OpenSag.Api.Catalogue.WireParameters;

namespace OpenSag.Api.Actions;

/// <summary>UpdateSmartAGUserAccelerateConfig: spec/smartag-api.md §1.19, spec/smartag-acl-and-more.md §2.2. Takes no Owner parameters.</summary>
public static class AccelerateActions
{
    public static readonly Parameter<int> AccelerateBandwidth = Parameter.Integer("Bandwidth", "Acceleration peak, Kbit/s (at most 20000, the instance's peak).")
        .AsRequired().Between(1, int.MaxValue);

    public static readonly Parameter<bool?> DryRun = Parameter.Boolean("DryRun", "true: check only, answered DryRunOperation.");

    public static readonly ActionDefinition Update = ActionDefinition.Define(
        "UpdateSmartAGUserAccelerateConfig",
        "Sets a client account's acceleration peak (recorded, read back as AccelerateBandwidth); DryRun only checks.",
        [RegionId, SmartAgId, UserName, AccelerateBandwidth, DryRun, ClientToken],
        static (ClientUserService users, ActionContext a, CancellationToken ct) => users.SetAccelerateBandwidthAsync(
            a.Get(RegionId), a.Get(SmartAgId), a.Get(UserName), a.Get(AccelerateBandwidth), a.Get(DryRun) ?? false, ct))
        .Raising(ErrorCatalogue.SmartAccessGatewayNotFoundForm, ErrorCatalogue.UserNotFound, ErrorCatalogue.BandwidthExceeded, ErrorCatalogue.DryRunOperation);

    public static IEnumerable<ActionDefinition> All => [Update];
}
