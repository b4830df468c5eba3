using Microsoft.Extensions.DependencyInjection;
using OpenSag.Domain;
using OpenSag.Errors;
using OpenSag.WebConsole.Instances;

namespace OpenSag.WebConsole.Pages.Instances;

/// <summary>A page about one instance, named by its id alone in the path (<c>/instances/{id}/…</c>).</summary>
public abstract class InstancePage : ConsolePage
{
    /// <summary>The instance; null when the id names none (the page then shows only the refusal).</summary>
    public Instance? Instance { get; private set; }

    /// <summary>The instance's id as in the path.</summary>
    public string Id { get; private set; } = "";

    /// <summary>Loads the instance; false (with a 404 page's problem set) when there is none.</summary>
    protected async Task<bool> LoadAsync(string id)
    {
        Id = id ?? "";
        Instance = await HttpContext.RequestServices.GetRequiredService<InstanceDirectory>().FindAsync(Id, Aborted);
        if (Instance is null)
        {
            Refuse(ErrorCatalogue.InstanceNotFound, 404);
            return false;
        }

        return true;
    }

    /// <summary>The parameters every instance action starts with.</summary>
    protected Dictionary<string, string?> InstanceParameters() => new(StringComparer.Ordinal)
    {
        ["RegionId"] = Instance!.RegionId,
        ["SmartAGId"] = Instance.SmartAGId,
    };
}
