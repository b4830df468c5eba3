using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using OpenSag.Domain;
using OpenSag.Services;

namespace OpenSag.WebConsole.Pages.Instances;

/// <summary>
/// <c>/instances/{id}/users?search=&amp;page=</c>: the instance's client accounts, a page at a time, found by any part
/// of their name;
/// creates, enables, disables, deletes them and sets their bandwidth and password, each through the API's action.
/// </summary>
public sealed class UsersModel(ClientUserService users) : InstancePage
{
    public const int PageSize = 20;

    /// <summary>Longest search looked up: the search box's maxlength, and longer than any user name.</summary>
    public const int MaxSearchLength = 64;

    public Page<ClientUser> Users { get; private set; } = new([], 0, 1, PageSize);

    public string Search { get; private set; } = "";

    public int PageNumber { get; private set; } = 1;

    public int PageCount => Math.Max(1, (Users.TotalCount + PageSize - 1) / PageSize);

    /// <remarks>The page number is read from the query itself: <c>page</c> is the route value naming the Razor page.</remarks>
    public async Task<IActionResult> OnGetAsync(string id, string? search)
    {
        var page = Request.Query["page"].ToString();
        if (!await LoadAsync(id))
        {
            return Page();
        }

        Search = search?.Trim() ?? "";
        PageNumber = int.TryParse(page, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number >= 1 ? number : 1;
        // A search no user name can contain (longer than any, or with what no store holds) matches nobody; it never
        // reaches the store.
        if (Search.Length > MaxSearchLength || PortableText.IndexOfUnportable(Search) >= 0)
        {
            Users = new Page<ClientUser>([], 0, 1, PageSize);
            return Page();
        }

        Users = await users.SearchAsync(Instance!.RegionId, Instance.SmartAGId, Search.Length > 0 ? Search : null, PageNumber, PageSize, Aborted);
        return Page();
    }

    public string PageLink(int number) =>
        "/instances/" + Uri.EscapeDataString(Id) + "/users?" + (Search.Length > 0 ? "search=" + Uri.EscapeDataString(Search) + "&" : "")
        + "page=" + number.ToString(CultureInfo.InvariantCulture);

    public Task<IActionResult> OnPostCreateAsync(string id, string? userName, string? password, string? userMail, string? bandwidth, string? clientIp) =>
        OnUserAsync(id, "CreateSmartAccessGatewayClientUser", userName, p =>
        {
            p["Password"] = password;
            p["UserMail"] = userMail?.Trim();
            p["Bandwidth"] = bandwidth;
            p["ClientIp"] = clientIp?.Trim();
        }, name => $"Created user {name}.");

    public Task<IActionResult> OnPostEnableAsync(string id, string? userName) =>
        OnUserAsync(id, "EnableSmartAccessGatewayUser", userName, null, name => $"Enabled user {name}.");

    public Task<IActionResult> OnPostDisableAsync(string id, string? userName) =>
        OnUserAsync(id, "DisableSmartAccessGatewayUser", userName, null, name => $"Disabled user {name}; their sessions were closed.");

    public Task<IActionResult> OnPostDeleteAsync(string id, string? userName) =>
        OnUserAsync(id, "DeleteSmartAccessGatewayClientUser", userName, null, name => $"Deleted user {name}.");

    public Task<IActionResult> OnPostBandwidthAsync(string id, string? userName, string? bandwidth) =>
        OnUserAsync(id, "ModifySmartAccessGatewayClientUser", userName, p => p["Bandwidth"] = bandwidth,
            name => $"Set the bandwidth of {name} to {bandwidth} kbit/s.");

    public Task<IActionResult> OnPostPasswordAsync(string id, string? userName, string? password) =>
        OnUserAsync(id, "ResetSmartAccessGatewayClientUserPassword", userName, p => p["Password"] = password,
            name => $"Set a new password for {name}.");

    /// <summary>Runs a user action of the API on this instance, back to the same page of the list.</summary>
    private async Task<IActionResult> OnUserAsync(string id, string action, string? userName, Action<Dictionary<string, string?>>? more, Func<string, string> success)
    {
        if (!await LoadAsync(id))
        {
            return Page();
        }

        var parameters = InstanceParameters();
        parameters["UserName"] = userName?.Trim();
        more?.Invoke(parameters);
        var back = "/instances/" + Uri.EscapeDataString(Id) + "/users" + QueryWithout("handler");
        return await ChangeAsync(action, parameters, _ => success(userName?.Trim() ?? ""), back);
    }

    /// <summary>This request's query string without <paramref name="name"/>: the list page the form was posted from.</summary>
    private string QueryWithout(string name)
    {
        var kept = Request.Query.Where(q => !string.Equals(q.Key, name, StringComparison.OrdinalIgnoreCase))
            .Select(q => Uri.EscapeDataString(q.Key) + "=" + Uri.EscapeDataString(q.Value.ToString()));
        var query = string.Join('&', kept);
        return query.Length > 0 ? "?" + query : "";
    }
}
