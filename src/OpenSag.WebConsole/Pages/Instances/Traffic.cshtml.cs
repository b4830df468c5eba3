using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using OpenSag.Domain;
using OpenSag.Errors;
using OpenSag.Services;

namespace OpenSag.WebConsole.Pages.Instances;

/// <summary>
/// <c>/instances/{id}/traffic?month=yyyyMM</c>: each user's bytes in the month (what DescribeUserFlowStatistics
/// reports), busiest first, as a chart and a table; the current month (UTC) by default.
/// </summary>
public sealed class TrafficModel(ClientUserService users, SessionService sessions, TimeProvider time) : InstancePage
{
    /// <summary>Users drawn in the chart; the table lists them all.</summary>
    public const int ChartRows = 25;

    /// <summary>Users read, and flow totals asked for, at a time: the API's own largest pages.</summary>
    private const int Batch = 100;

    public string Month { get; private set; } = "";

    public string PreviousMonth { get; private set; } = "";

    public string NextMonth { get; private set; } = "";

    /// <summary>Users with any traffic in the month, busiest (both ways together) first.</summary>
    public IReadOnlyList<FlowTotal> Active { get; private set; } = [];

    public int UserCount { get; private set; }

    public async Task<IActionResult> OnGetAsync(string id, string? month)
    {
        if (!await LoadAsync(id))
        {
            return Page();
        }

        var first = month is null
            ? new DateTime(time.GetUtcNow().Year, time.GetUtcNow().Month, 1, 0, 0, 0, DateTimeKind.Utc)
            : DateTime.TryParseExact(month, "yyyyMM", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out var parsed) && month.Length == 6 ? parsed : (DateTime?)null;
        if (first is not { } start)
        {
            return Refuse(ErrorCatalogue.Invalid("StatisticsDate").WithMessage("The month must be yyyyMM, month 01–12 (202611)."), 400);
        }

        Month = start.ToString("yyyyMM", CultureInfo.InvariantCulture);
        // DateTime spans years 1 to 9999: no link past either end (AddMonths would throw).
        PreviousMonth = start > DateTime.MinValue ? start.AddMonths(-1).ToString("yyyyMM", CultureInfo.InvariantCulture) : "";
        NextMonth = start.Year < 9999 || start.Month < 12 ? start.AddMonths(1).ToString("yyyyMM", CultureInfo.InvariantCulture) : "";

        var names = new List<string>();
        for (var page = 1; ; page++)
        {
            var batch = await users.ListAsync(Instance!.RegionId, Instance.SmartAGId, null, null, page, Batch, Aborted);
            names.AddRange(batch.Items.Select(u => u.UserName));
            if (batch.Items.Count == 0 || names.Count >= batch.TotalCount)
            {
                break;
            }
        }

        UserCount = names.Count;
        var totals = new List<FlowTotal>(names.Count);
        foreach (var chunk in names.Chunk(Batch))
        {
            totals.AddRange(await sessions.FlowAsync(Instance!.RegionId, Instance.SmartAGId, chunk, Month, Aborted));
        }

        Active = [.. totals.Where(t => t.BytesIn + t.BytesOut > 0).OrderByDescending(t => t.BytesIn + t.BytesOut).ThenBy(t => t.UserName, StringComparer.Ordinal)];
        return Page();
    }
}
