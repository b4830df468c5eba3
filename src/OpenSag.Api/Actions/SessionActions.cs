using System.Globalization;
using System.Text.RegularExpressions;
using OpenSag.Api.Catalogue;
using OpenSag.Api.Responses;
using OpenSag.Domain;
using OpenSag.Errors;
using OpenSag.Services;
using OpenSag.Sessions;
using static OpenSag.Api.Catalogue.WireParameters;

namespace OpenSag.Api.Actions;

/// <summary>Online connections and traffic: spec/KickOutClients.md and spec/smartag-api.md §1.8–§1.12.</summary>
public static partial class SessionActions
{
    /// <summary>KickOutClients answers an unknown instance with its own page's wording.</summary>
    public static readonly Parameter<string> KickSmartAgId = SmartAgId.WhenInvalid(ErrorCatalogue.KickInstanceNotFound);

    /// <summary>
    /// Exactly as its reference page: parameter <c>Username</c> (lower-case n, unlike every other action), 400
    /// ClientUser.NameEmpty when missing or empty.
    /// </summary>
    public static readonly Parameter<string> Username = Parameter.String("Username", "The user whose connections end (note the lower-case n).")
        .AsRequired(ErrorCatalogue.UserNameEmpty).Matching(s => s.Length <= 64, UpTo64).WhenInvalid(ErrorCatalogue.UserNameInvalid);

    /// <summary>Exactly as its reference page (spec/KickOutClients.md), SAG.InstanceNoFound in the page's own wording.</summary>
    public static readonly ActionDefinition KickOutClients = ActionDefinition.Define(
        "KickOutClients",
        "Ends every online connection of Username on SmartAGId. Not a ban: a fresh login works.",
        [RegionId, KickSmartAgId, Username],
        static (SessionService sessions, ActionContext a, CancellationToken ct) =>
            sessions.KickOutAsync(a.Caller, a.Get(RegionId), a.Get(KickSmartAgId), a.Get(Username), ct))
        .Raising(ErrorCatalogue.KickInstanceNotFound);

    public static readonly ActionDefinition OnlineClients = ActionDefinition.Define(
        "DescribeUserOnlineClients",
        "Lists a user's online connections: ClientIp and OnlineTime (Unix seconds).",
        [RegionId, SmartAgId, UserName],
        ResponseShape.Of<IReadOnlyList<OnlineSessionInfo>>()
            .List("Users", "User", online => online, ResponseShape.Of<OnlineSessionInfo>()
                .String("ClientIp", s => s.ClientIp)
                .String("OnlineTime", s => s.OnlineSince.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture))),
        static (SessionService sessions, ActionContext a, CancellationToken ct) => sessions.ListOnlineAsync(a.Get(RegionId), a.Get(SmartAgId), a.Get(UserName), ct))
        .Raising(ErrorCatalogue.InstanceNotFound);

    public static readonly Parameter<IReadOnlyList<string>> StatisticsUserNames = UserNames.AsRequired(ErrorCatalogue.UserNameEmpty).WhenInvalid(ErrorCatalogue.UserNameInvalid);

    public static readonly ActionDefinition UserStatistics = ActionDefinition.Define(
        "DescribeUserOnlineClientStatistics",
        "Counts online connections per user.",
        [RegionId, SmartAgId, StatisticsUserNames],
        ResponseShape.Of<IReadOnlyList<(string UserName, int OnlineCount)>>()
            .List("UserStatistics", "Statistics", counts => counts, ResponseShape.Of<(string UserName, int OnlineCount)>()
                .String("UserName", c => c.UserName)
                .String("OnlineCount", c => c.OnlineCount.ToString(CultureInfo.InvariantCulture))),
        static (SessionService sessions, ActionContext a, CancellationToken ct) =>
            sessions.CountByUserAsync(a.Get(RegionId), a.Get(SmartAgId), a.Get(StatisticsUserNames), ct))
        .Raising(ErrorCatalogue.InstanceNotFound);

    public static readonly ActionDefinition InstanceStatistics = ActionDefinition.Define(
        "DescribeSagOnlineClientStatistics",
        "Counts online connections per instance; without SmartAGIds, every instance of the region.",
        [RegionId, SmartAgIds],
        ResponseShape.Of<IReadOnlyList<(string SmartAGId, int OnlineCount)>>()
            .List("SagStatistics", "Statistics", counts => counts, ResponseShape.Of<(string SmartAGId, int OnlineCount)>()
                .String("SmartAGId", c => c.SmartAGId)
                .String("OnlineCount", c => c.OnlineCount.ToString(CultureInfo.InvariantCulture))),
        static (SessionService sessions, ActionContext a, CancellationToken ct) => sessions.CountByInstanceAsync(a.Get(RegionId), a.Get(SmartAgIds), ct));

    public static readonly Parameter<IReadOnlyList<string>> FlowUserNames = UserNames.AsRequired();

    public static readonly Parameter<string?> StatisticsDate = Parameter.String("StatisticsDate", "Month of the totals (default: the current month, UTC).")
        .Matching(s => MonthPattern().IsMatch(s), "a month as yyyyMM, month 01–12 (202611)");

    public static readonly ActionDefinition FlowStatistics = ActionDefinition.Define(
        "DescribeUserFlowStatistics",
        "Bytes each user moved in a month: TotalBytes towards the network, TotalLeaveBytes back to the client.",
        [RegionId, SmartAgId, FlowUserNames, StatisticsDate],
        ResponseShape.Of<IReadOnlyList<FlowTotal>>()
            .List("SagStatistics", "Statistics", totals => totals, ResponseShape.Of<FlowTotal>()
                .String("UserName", t => t.UserName)
                .String("TotalBytes", t => t.BytesIn.ToString(CultureInfo.InvariantCulture))
                .String("TotalLeaveBytes", t => t.BytesOut.ToString(CultureInfo.InvariantCulture))),
        static (SessionService sessions, TimeProvider time, ActionContext a, CancellationToken ct) =>
        {
            var month = a.Get(StatisticsDate) ?? time.GetUtcNow().ToString("yyyyMM", CultureInfo.InvariantCulture);
            return sessions.FlowAsync(a.Get(RegionId), a.Get(SmartAgId), a.Get(FlowUserNames), month, ct);
        })
        .Raising(ErrorCatalogue.InstanceNotFound);

    public static IEnumerable<ActionDefinition> All => [KickOutClients, OnlineClients, UserStatistics, InstanceStatistics, FlowStatistics];

    [GeneratedRegex(@"^[0-9]{4}(0[1-9]|1[0-2])\z")]
    private static partial Regex MonthPattern();
}
