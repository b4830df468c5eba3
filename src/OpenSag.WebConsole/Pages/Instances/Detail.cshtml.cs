using Microsoft.AspNetCore.Mvc;
using OpenSag.Services;

namespace OpenSag.WebConsole.Pages.Instances;

/// <summary><c>/instances/{id}</c>: the instance's attributes; changes its name, description and CidrBlock (ModifySmartAccessGateway).</summary>
public sealed class DetailModel(SessionService sessions) : InstancePage
{
    public int OnlineCount { get; private set; }

    public async Task<IActionResult> OnGetAsync(string id)
    {
        if (!await LoadAsync(id))
        {
            return Page();
        }

        var counts = await sessions.CountByInstanceAsync(Instance!.RegionId, [Instance.SmartAGId], Aborted);
        OnlineCount = counts.Sum(c => c.OnlineCount);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string id, string? name, string? description, string? cidrBlock)
    {
        if (!await LoadAsync(id))
        {
            return Page();
        }

        // Only what changed: an unchanged CidrBlock sent again would still be re-checked against every static ClientIp.
        var parameters = InstanceParameters();
        parameters["Name"] = Changed(name, Instance!.Name);
        parameters["Description"] = Changed(description, Instance.Description);
        parameters["CidrBlock"] = Changed(cidrBlock, Instance.CidrBlock);
        if (parameters.Values.Count(v => v is not null) == 2)
        {
            Flash = "Nothing to change.";
            return LocalRedirect(Request.Path);
        }

        return await ChangeAsync("ModifySmartAccessGateway", parameters, _ => "Saved the settings of " + Instance.SmartAGId + ".");
    }

    private static string? Changed(string? given, string current) =>
        given?.Trim() is { Length: > 0 } value && value != current ? value : null;
}
