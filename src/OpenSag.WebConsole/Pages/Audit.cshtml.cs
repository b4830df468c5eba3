using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using OpenSag.Domain;
using OpenSag.Errors;
using OpenSag.Services;

namespace OpenSag.WebConsole.Pages;

/// <summary>
/// <c>/audit?accessKeyId=&amp;action=&amp;instance=&amp;target=&amp;since=&amp;until=&amp;page=</c>: the audit log, newest
/// first, filtered by exact access key, action, instance and target and by time (UTC; since included, until not).
/// </summary>
public sealed class AuditModel(AuditLog audit) : ConsolePage
{
    public const int PageSize = 50;

    private static readonly string[] TimeFormats = ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd", "yyyy-MM-dd'T'HH:mm:ss'Z'"];

    public AuditQuery Filter { get; private set; } = new();

    public Page<AuditEntry> Entries { get; private set; } = new([], 0, 1, PageSize);

    public int PageNumber { get; private set; } = 1;

    public int PageCount => Math.Max(1, (Entries.TotalCount + PageSize - 1) / PageSize);

    /// <summary>Reads the filters from the query itself: <c>page</c> is the route value naming the Razor page.</summary>
    public async Task<IActionResult> OnGetAsync()
    {
        var query = Request.Query;
        PageNumber = int.TryParse(query["page"], NumberStyles.None, CultureInfo.InvariantCulture, out var page) && page >= 1 ? page : 1;
        string? Text(string name) => query[name].ToString().Trim() is { Length: > 0 } value ? value : null;
        var texts = new[] { ("accessKeyId", Text("accessKeyId")), ("action", Text("action")), ("instance", Text("instance")), ("target", Text("target")) };
        // Filters go to the store's query: text no store can hold (a NUL) or longer than any stored value is refused here.
        if (texts.FirstOrDefault(t => t.Item2 is { } value && (value.Length > 128 || PortableText.IndexOfUnportable(value) >= 0)) is { Item2: not null } bad)
        {
            return Refuse(ErrorCatalogue.InvalidParameter(bad.Item1), 400);
        }

        if (!TryTime(Text("since"), out var since) || !TryTime(Text("until"), out var until))
        {
            return Refuse(ErrorCatalogue.InvalidParameter(TryTime(Text("since"), out _) ? "until" : "since")
                .WithMessage("Give the time as yyyy-MM-ddTHH:mm[:ss] (UTC)."), 400);
        }

        Filter = new AuditQuery
        {
            AccessKeyId = texts[0].Item2,
            Action = texts[1].Item2,
            SmartAGId = texts[2].Item2,
            Target = texts[3].Item2,
            Since = since,
            Until = until,
        };
        Entries = await audit.ListAsync(Filter, PageNumber, PageSize, Aborted);
        return Page();
    }

    /// <summary>This listing's URL at page <paramref name="number"/>, filters kept.</summary>
    public string PageLink(int number)
    {
        var kept = Request.Query.Where(q => q.Key != "page" && q.Value.ToString().Length > 0)
            .Select(q => Uri.EscapeDataString(q.Key) + "=" + Uri.EscapeDataString(q.Value.ToString()))
            .Append("page=" + number.ToString(CultureInfo.InvariantCulture));
        return "/audit?" + string.Join('&', kept);
    }

    /// <summary>A time as a datetime-local field holds it (UTC); empty for none.</summary>
    public static string InputTime(DateTimeOffset? time) =>
        time?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) ?? "";

    private static bool TryTime(string? text, out DateTimeOffset? time)
    {
        time = null;
        if (text is null)
        {
            return true;
        }

        if (DateTime.TryParseExact(text, TimeFormats, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var parsed))
        {
            time = new DateTimeOffset(DateTime.SpecifyKind(parsed, DateTimeKind.Utc));
            return true;
        }

        return false;
    }
}
