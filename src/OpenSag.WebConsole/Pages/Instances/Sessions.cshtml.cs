using Microsoft.AspNetCore.Mvc;
using OpenSag.Domain;
using OpenSag.Services;
using OpenSag.Sessions;

namespace OpenSag.WebConsole.Pages.Instances;

/// <summary>
/// <c>/instances/{id}/sessions</c>: every online session of the instance, on every node (like <c>occtl show users</c>);
/// kicks a user (the API's KickOutClients) or disconnects one session (<see cref="SessionService.DisconnectSessionAsync"/>,
/// audited with the console's caller).
/// </summary>
public sealed class SessionsModel(SessionService sessions, AuditLog audit) : InstancePage
{
    /// <summary>The audit log's action name for a disconnect: the OpenSAG extension API's action of the same effect.</summary>
    public const string DisconnectAction = "DisconnectSession";

    /// <summary>Longest session id looked up; ids are far shorter, and a longer one names no session.</summary>
    private const int MaxSessionIdLength = 128;

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

        var valid = sessionId is { Length: > 0 and <= MaxSessionIdLength } && PortableText.IndexOfUnportable(sessionId) < 0;
        var known = valid && await sessions.DisconnectSessionAsync(Caller, Instance!.RegionId, Instance.SmartAGId, sessionId!, Aborted);
        // Not a catalogue action, so ActionInvoker does not record it: recorded here, as the API records a kick.
        await audit.RecordAsync(Caller, DisconnectAction, Instance!.RegionId, Instance.SmartAGId, valid ? sessionId! : "", AuditEntry.Success,
            known ? "disconnected" : "not online", CancellationToken.None);
        if (known)
        {
            Flash = $"Disconnected session {sessionId}.";
        }
        else
        {
            Error = "No such session is online on this instance (it may have ended already).";
        }

        return LocalRedirect(SessionsPath);
    }

    private string SessionsPath => "/instances/" + Uri.EscapeDataString(Id) + "/sessions";
}
