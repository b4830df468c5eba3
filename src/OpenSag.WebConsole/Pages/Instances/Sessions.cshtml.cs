using Microsoft.AspNetCore.Mvc;
using OpenSag.Api.Actions;
using OpenSag.Services;
using OpenSag.Sessions;

namespace OpenSag.WebConsole.Pages.Instances;

/// <summary>
/// <c>/instances/{id}/sessions</c>: every online session of the instance, on every node (like <c>occtl show users</c>);
/// kicks a user (the API's KickOutClients) or disconnects one session (OpenSAG's DisconnectSession), each through its
/// action, so validated and audited as the API call.
/// </summary>
public sealed class SessionsModel(SessionService sessions) : InstancePage
{
    public IReadOnlyList<OnlineSessionListing> Sessions { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(string id)
    {
        if (await LoadAsync(id))
        {
            Sessions = await sessions.ListInstanceSessionsAsync(Instance!.RegionId, Instance.SmartAGId, Aborted);
        }

        return Page();
    }

    public async Task<IActionResult> OnPostKickAsync(string id, string? userName)
    {
        if (!await LoadAsync(id))
        {
            return Page();
        }

        var parameters = InstanceParameters();
        parameters["Username"] = userName;
        return await ChangeAsync("KickOutClients", parameters, _ => $"Kicked {userName}: their sessions were closed.", SessionsPath);
    }

    public async Task<IActionResult> OnPostDisconnectAsync(string id, string? sessionId)
    {
        if (!await LoadAsync(id))
        {
            return Page();
        }

        var parameters = InstanceParameters();
        parameters["SessionId"] = sessionId;
        if (await TryInvokeAsync(OpenSagActions.DisconnectSession.Name, parameters) is { } answer)
        {
            if (Field(answer, "Disconnected") == bool.TrueString)
            {
                Flash = $"Disconnected session {sessionId}.";
            }
            else
            {
                Error = "No such session is online on this instance (it may have ended already).";
            }
        }

        return LocalRedirect(SessionsPath);
    }

    private string SessionsPath => "/instances/" + Uri.EscapeDataString(Id) + "/sessions";
}
