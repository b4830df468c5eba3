using Microsoft.Extensions.DependencyInjection;
using OpenSag.Api.Catalogue;
using OpenSag.Api.Responses;
using OpenSag.Services;
using static OpenSag.Api.Catalogue.WireParameters;

namespace OpenSag.Api.Actions;

/// <summary>UpdateSmartAGUserAccelerateConfig: spec/smartag-api.md §1.19, spec/smartag-acl-and-more.md §2.2. Takes no Owner parameters.</summary>
public static class AccelerateActions
{
    public static readonly ActionDefinition Update = new(
        "UpdateSmartAGUserAccelerateConfig",
        "Sets a client account's acceleration peak (recorded, read back as AccelerateBandwidth); DryRun only checks.",
        [
            RegionId,
            SmartAgId,
            UserName,
            new ParameterSpec("Bandwidth", ParameterKind.Integer, "Acceleration peak, Kbit/s (at most 20000, the instance's peak).").AsRequired().Between(1, int.MaxValue),
            new ParameterSpec("DryRun", ParameterKind.Boolean, "true: check only, answered DryRunOperation."),
            ClientToken,
        ],
        [],
        async (context, ct) =>
        {
            var a = context.Arguments;
            await context.Services.GetRequiredService<ClientUserService>().SetAccelerateBandwidthAsync(a.String("RegionId"), a.String("SmartAGId"),
                a.String("UserName"), a.Integer("Bandwidth"), a.OptionalBoolean("DryRun") ?? false, ct);
            return ResponseBody.Empty;
        });

    public static IEnumerable<ActionDefinition> All => [Update];
}
