using System.Globalization;
using OpenSag.Api.Catalogue;
using OpenSag.Api.Responses;
using OpenSag.Api.Status;
using OpenSag.Domain;
using OpenSag.Errors;
using OpenSag.Services;
using OpenSag.Sessions;
using static OpenSag.Api.Catalogue.WireParameters;

namespace OpenSag.Api.Actions;

/// <summary>
/// OpenSAG's own actions, which the cloud does not have (issue 13): served at <see cref="Path"/> on the API listener
/// with <see cref="Version"/>, the same signatures, errors and answer formats as the Smartag API, so <c>/</c> stays
/// exactly the cloud's (where these names are InvalidAction.NotFound). Declared in the catalogue's style; their own
/// <see cref="ActionTable"/>.
/// </summary>
public static class OpenSagActions
{
    /// <summary>The API version of OpenSAG's own actions.</summary>
    public const string Version = "2026-11-30";

    /// <summary>Where they are served on the API listener.</summary>
    public const string Path = "/opensag";

    /// <summary>The format of every time these actions read or write: ISO 8601, UTC, whole seconds.</summary>
    public const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss'Z'";

    private static readonly string[] TimeFormats = [TimeFormat, "yyyy-MM-dd'T'HH:mm'Z'", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'"];

    public static readonly Parameter<string?> UserNameFilter = Parameter.String("UserName", "Only this user's sessions.")
        .Matching(IsUserName, "7–33 characters: letters A–Z a–z, digits, _ @ . -, starting with a letter or digit")
        .WhenInvalid(ErrorCatalogue.UserNameInvalid);

    public static readonly Parameter<string> SessionId = Parameter.String("SessionId", "The session, as DescribeOnlineSessions lists it.")
        .AsRequired().Matching(s => s.Length <= 64, UpTo64);

    public static readonly Parameter<int?> SessionsPageSize = PageSize(100).Named("PageSize", "Sessions per page (default 50, at most 100).");

    public static readonly Parameter<int?> EntriesPageSize = PageSize(100).Named("PageSize", "Entries per page (default 50, at most 100).");

    public static readonly ActionDefinition DescribeOnlineSessions = ActionDefinition.Define(
        "DescribeOnlineSessions",
        "Lists every online session of an instance (optionally one user's), with ClientIp, peer address, node and bytes each way.",
        [RegionId, SmartAgId, UserNameFilter, PageNumber, SessionsPageSize],
        ResponseShape.Of<Page<OnlineSessionListing>>()
            .Integer("TotalCount", p => p.TotalCount)
            .Integer("PageNumber", p => p.PageNumber)
            .Integer("PageSize", p => p.PageSize)
            .List("Sessions", "Session", p => p.Items, ResponseShape.Of<OnlineSessionListing>()
                .String("SessionId", s => s.Session.SessionId)
                .String("UserName", s => s.Session.UserName)
                .String("ClientIp", s => s.Session.ClientIp)
                .String("PeerAddress", s => s.Session.PeerAddress)
                .Long("OnlineTime", s => s.Session.OnlineSince.ToUnixTimeMilliseconds())
                .String("Node", s => s.Node)
                .Long("BytesFromClient", s => s.BytesFromClient)
                .Long("BytesToClient", s => s.BytesToClient)
                .String("ClientVersion", s => s.Session.ClientVersion)
                .String("ClientOs", s => s.Session.ClientOs)),
        static async (SessionService sessions, ActionContext a, CancellationToken ct) =>
        {
            var all = await sessions.ListInstanceSessionsAsync(a.Get(RegionId), a.Get(SmartAgId), ct);
            var user = a.Get(UserNameFilter);
            var selected = user is null ? all : [.. all.Where(s => s.Session.UserName == user)];
            return Paged(selected, a.Get(PageNumber) ?? 1, a.Get(SessionsPageSize) ?? 50);
        })
        .Raising(ErrorCatalogue.InstanceNotFound);

    public static readonly ActionDefinition DisconnectSession = ActionDefinition.Define(
        "DisconnectSession",
        "Ends one online session (wherever in the cluster it is); the client is told it was disconnected by the administrator and does not reconnect. Not a ban.",
        [RegionId, SmartAgId, SessionId],
        ResponseShape.Of<bool>().Boolean("Disconnected", closed => closed),
        static (SessionService sessions, ActionContext a, CancellationToken ct) =>
            sessions.DisconnectSessionAsync(a.Caller, a.Get(RegionId), a.Get(SmartAgId), a.Get(SessionId), ct))
        .Raising(ErrorCatalogue.InstanceNotFound);

    public static readonly ActionDefinition DescribeServerStatus = ActionDefinition.Define(
        "DescribeServerStatus",
        "Shows the server: version, node, start time and uptime, store, online sessions (whole cluster) and listeners.",
        [],
        ResponseShape.Of<(ServerStatus Status, long Uptime, int Online)>()
            .String("Version", s => s.Status.Version)
            .String("Node", s => s.Status.Node)
            .String("StartTime", s => s.Status.StartTime.ToUniversalTime().ToString(TimeFormat, CultureInfo.InvariantCulture))
            .Long("UptimeSeconds", s => s.Uptime)
            .String("Store", s => s.Status.Store)
            .Integer("OnlineSessions", s => s.Online)
            .List("Listeners", "Listener", s => s.Status.Listeners, ResponseShape.Of<ServerListener>()
                .String("Name", l => l.Name)
                .String("Address", l => l.Address)),
        static async (ServerStatus status, IOnlineSessionReader sessions, ActionContext a, CancellationToken ct) =>
            (status, status.UptimeSeconds, await sessions.CountAllAsync(ct)));

    public static readonly Parameter<string?> AccessKeyIdFilter = Parameter.String("AccessKeyId", "Only entries made with this access key.")
        .Matching(s => s.Length <= 64, UpTo64);

    public static readonly Parameter<string?> ActionNameFilter = Parameter.String("ActionName", "Only entries of this action (KickOutClients, DisconnectSession, ConsoleSignIn…).")
        .Matching(s => s.Length <= 64, UpTo64);

    public static readonly Parameter<string?> SmartAgIdFilter = Parameter.String("SmartAGId", "Only entries about this instance.")
        .Matching(s => s.Length <= 64, UpTo64);

    public static readonly Parameter<string?> TargetFilter = Parameter.String("Target", "Only entries naming this target (a user name, session id, ACL id…).")
        .Matching(s => s.Length <= 128, "up to 128 characters");

    public static readonly Parameter<string?> StartTime = Parameter.String("StartTime", "Entries at or after this time.")
        .Matching(s => TryParseTime(s, out _), "an ISO 8601 UTC time (2026-11-30T12:00:00Z)");

    public static readonly Parameter<string?> EndTime = Parameter.String("EndTime", "Entries before this time.")
        .Matching(s => TryParseTime(s, out _), "an ISO 8601 UTC time (2026-11-30T12:00:00Z)");

    public static readonly ActionDefinition DescribeAuditLog = ActionDefinition.Define(
        "DescribeAuditLog",
        "Lists the audit log, newest first: who changed what (API and console), when, from where, and how it ended.",
        [AccessKeyIdFilter, ActionNameFilter, SmartAgIdFilter, TargetFilter, StartTime, EndTime, PageNumber, EntriesPageSize],
        ResponseShape.Of<Page<AuditEntry>>()
            .Integer("TotalCount", p => p.TotalCount)
            .Integer("PageNumber", p => p.PageNumber)
            .Integer("PageSize", p => p.PageSize)
            .List("Entries", "Entry", p => p.Items, ResponseShape.Of<AuditEntry>()
                .Long("Id", e => e.Id)
                .String("Time", e => e.Time.ToUniversalTime().ToString(TimeFormat, CultureInfo.InvariantCulture))
                .String("AccessKeyId", e => e.AccessKeyId)
                .String("SourceAddress", e => e.SourceAddress)
                .String("Channel", e => e.Channel)
                .String("ActionName", e => e.Action)
                .String("RegionId", e => e.RegionId)
                .String("SmartAGId", e => e.SmartAGId)
                .String("Target", e => e.Target)
                .String("Outcome", e => e.Outcome)
                .String("Detail", e => e.Detail)),
        static (AuditLog audit, ActionContext a, CancellationToken ct) => audit.ListAsync(new AuditQuery
        {
            AccessKeyId = a.Get(AccessKeyIdFilter),
            Action = a.Get(ActionNameFilter),
            SmartAGId = a.Get(SmartAgIdFilter),
            Target = a.Get(TargetFilter),
            Since = Time(a.Get(StartTime)),
            Until = Time(a.Get(EndTime)),
        }, a.Get(PageNumber) ?? 1, a.Get(EntriesPageSize) ?? 50, ct));

    private static IEnumerable<ActionDefinition> Declared => [DescribeOnlineSessions, DisconnectSession, DescribeServerStatus, DescribeAuditLog];

    /// <summary>The catalogue alone, without handlers: help, docs, validation tests.</summary>
    public static ActionTable CreateTable()
    {
        var table = new ActionTable();
        foreach (var action in Declared)
        {
            table.Map(action);
        }

        return table;
    }

    /// <summary>The catalogue with every handler made from <paramref name="services"/>, once, here.</summary>
    public static ActionTable CreateTable(IServiceProvider services) => CreateTable().Bind(services);

    /// <summary>An ISO 8601 UTC time in one of the accepted forms (<see cref="TimeFormat"/>, without seconds, with a fraction).</summary>
    public static bool TryParseTime(string text, out DateTimeOffset time) =>
        DateTimeOffset.TryParseExact(text, TimeFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out time);

    private static DateTimeOffset? Time(string? text) => text is not null && TryParseTime(text, out var time) ? time : null;

    /// <summary>One page of a listing held in memory (an instance's sessions); a page past the end is empty.</summary>
    private static Page<T> Paged<T>(IReadOnlyList<T> all, int pageNumber, int pageSize) =>
        new([.. all.Skip((int)Math.Min(int.MaxValue, (pageNumber - 1L) * pageSize)).Take(pageSize)], all.Count, pageNumber, pageSize);
}
