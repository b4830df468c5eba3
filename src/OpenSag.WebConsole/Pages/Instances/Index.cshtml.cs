using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using OpenSag.Domain;
using OpenSag.WebConsole.Instances;

namespace OpenSag.WebConsole.Pages.Instances;

/// <summary><c>/instances</c>: every instance of every region, and a form to create one.</summary>
public sealed class IndexModel(InstanceDirectory directory) : ConsolePage
{
    public IReadOnlyList<Instance> Instances { get; private set; } = [];

    public async Task OnGetAsync() => Instances = await directory.ListAllAsync(Aborted);

    /// <summary>
    /// CreateSmartAccessGatewaySoftware, then ModifySmartAccessGateway with the name and CidrBlock if given: the API's
    /// two actions, each validated and audited as such (the instance stays created if the second is refused).
    /// </summary>
    public async Task<IActionResult> OnPostCreateAsync(string? regionId, string? name, string? cidrBlock, string? userCount, string? dataPlan, string? period)
    {
        var created = await TryInvokeAsync("CreateSmartAccessGatewaySoftware", new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["RegionId"] = regionId,
            ["ChargeType"] = "PREPAY",
            ["Period"] = period,
            ["UserCount"] = userCount,
            ["DataPlan"] = dataPlan,
            ["AutoPay"] = "false",
        });
        if (created is null)
        {
            return LocalRedirect("/instances");
        }

        var id = Field(created, "SmartAGId");
        if (!string.IsNullOrWhiteSpace(name) || !string.IsNullOrWhiteSpace(cidrBlock))
        {
            var named = await TryInvokeAsync("ModifySmartAccessGateway", new Dictionary<string, string?>(StringComparer.Ordinal)
            {
                ["RegionId"] = regionId,
                ["SmartAGId"] = id,
                ["Name"] = name?.Trim(),
                ["CidrBlock"] = cidrBlock?.Trim(),
            });
            if (named is null)
            {
                Error = string.Create(CultureInfo.InvariantCulture, $"Created instance {id}, but its settings were refused: {Error}");
                return LocalRedirect("/instances");
            }
        }

        Flash = "Created instance " + id + ".";
        return LocalRedirect("/instances");
    }
}
