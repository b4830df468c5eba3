using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using OpenSag.Api.Catalogue;
using OpenSag.Api.Responses;
using OpenSag.Errors;
using OpenSag.Services;
using static OpenSag.Api.Catalogue.WireParameters;

namespace OpenSag.Api.Actions;

/// <summary>Online connections and traffic: spec/KickOutClients.md and spec/smartag-api.md §1.8–§1.12.</summary>
public static partial class SessionActions
{
    /// <summary>
    /// Exactly as its reference page: parameter <c>Username</c> (lower-case n, unlike every other action), 400
    /// ClientUser.NameEmpty when missing or empty, 400 SAG.InstanceNoFound with the page's own wording.
    /// </summary>
    public static readonly ActionDefinition KickOutClients = new(
        "KickOutClients",
        "Ends every online connection of Username on SmartAGId. Not a ban: a fresh login works.",
        [
            RegionId,
            SmartAgId with { InvalidError = ErrorCatalogue.KickInstanceNotFound },
            new ParameterSpec("Username", ParameterKind.String, "The user whose connections end (note the lower-case n).")
                .AsRequired(ErrorCatalogue.UserNameEmpty).Matching(s => s.Length <= 64, UpTo64).WhenInvalid(ErrorCatalogue.UserNameInvalid),
        ],
        [],
        async (context, ct) =>
        {
            var a = context.Arguments;
            await Sessions(context).KickOutAsync(context.Caller, a.String("RegionId"), a.String("SmartAGId"), a.String("Username"), ct);
            return ResponseBody.Empty;
        });

    public static readonly ActionDefinition OnlineClients = new(
        "DescribeUserOnlineClients",
        "Lists a user's online connections: ClientIp and OnlineTime (Unix seconds).",
        [RegionId, SmartAgId, UserName],
        ["Users.User[].ClientIp", "Users.User[].OnlineTime"],
        async (context, ct) =>
        {
            var a = context.Arguments;
            var online = await Sessions(context).ListOnlineAsync(a.String("RegionId"), a.String("SmartAGId"), a.String("UserName"), ct);
            return new ResponseBody
            {
                {
                    "Users", new WrappedList("User", [.. online.Select(s => new ResponseBody
                    {
                        { "ClientIp", s.ClientIp },
                        { "OnlineTime", s.OnlineSince.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) },
                    })])
                },
            };
        });

    public static readonly ActionDefinition UserStatistics = new(
        "DescribeUserOnlineClientStatistics",
        "Counts online connections per user.",
        [RegionId, SmartAgId, UserNames.AsRequired(ErrorCatalogue.UserNameEmpty).WhenInvalid(ErrorCatalogue.UserNameInvalid)],
        ["UserStatistics.Statistics[].UserName", "UserStatistics.Statistics[].OnlineCount"],
        async (context, ct) =>
        {
            var a = context.Arguments;
            var counts = await Sessions(context).CountByUserAsync(a.String("RegionId"), a.String("SmartAGId"), a.List("UserNames"), ct);
            return new ResponseBody
            {
                {
                    "UserStatistics", new WrappedList("Statistics", [.. counts.Select(c => new ResponseBody
                    {
                        { "UserName", c.UserName },
                        { "OnlineCount", c.OnlineCount.ToString(CultureInfo.InvariantCulture) },
                    })])
                },
            };
        });

    public static readonly ActionDefinition InstanceStatistics = new(
        "DescribeSagOnlineClientStatistics",
        "Counts online connections per instance; without SmartAGIds, every instance of the region.",
        [RegionId, SmartAgIds],
        ["SagStatistics.Statistics[].SmartAGId", "SagStatistics.Statistics[].OnlineCount"],
        async (context, ct) =>
        {
            var a = context.Arguments;
            var counts = await Sessions(context).CountByInstanceAsync(a.String("RegionId"), a.List("SmartAGIds"), ct);
            return new ResponseBody
            {
                {
                    "SagStatistics", new WrappedList("Statistics", [.. counts.Select(c => new ResponseBody
                    {
                        { "SmartAGId", c.SmartAGId },
                        { "OnlineCount", c.OnlineCount.ToString(CultureInfo.InvariantCulture) },
                    })])
                },
            };
        });

    public static readonly ActionDefinition FlowStatistics = new(
        "DescribeUserFlowStatistics",
        "Bytes each user moved in a month: TotalBytes towards the network, TotalLeaveBytes back to the client.",
        [
            RegionId,
            SmartAgId,
            UserNames.AsRequired(),
            new ParameterSpec("StatisticsDate", ParameterKind.String, "Month of the totals (default: the current month, UTC).")
                .Matching(s => MonthPattern().IsMatch(s), "a month as yyyyMM, month 01–12 (202611)"),
        ],
        ["SagStatistics.Statistics[].UserName", "SagStatistics.Statistics[].TotalBytes", "SagStatistics.Statistics[].TotalLeaveBytes"],
        async (context, ct) =>
        {
            var a = context.Arguments;
            var month = a.OptionalString("StatisticsDate")
                ?? context.Services.GetRequiredService<TimeProvider>().GetUtcNow().ToString("yyyyMM", CultureInfo.InvariantCulture);
            var totals = await Sessions(context).FlowAsync(a.String("RegionId"), a.String("SmartAGId"), a.List("UserNames"), month, ct);
            return new ResponseBody
            {
                {
                    "SagStatistics", new WrappedList("Statistics", [.. totals.Select(t => new ResponseBody
                    {
                        { "UserName", t.UserName },
                        { "TotalBytes", t.BytesIn.ToString(CultureInfo.InvariantCulture) },
                        { "TotalLeaveBytes", t.BytesOut.ToString(CultureInfo.InvariantCulture) },
                    })])
                },
            };
        });

    public static IEnumerable<ActionDefinition> All => [KickOutClients, OnlineClients, UserStatistics, InstanceStatistics, FlowStatistics];

    private static SessionService Sessions(ActionContext context) => context.Services.GetRequiredService<SessionService>();

    [GeneratedRegex("^[0-9]{4}(0[1-9]|1[0-2])$")]
    private static partial Regex MonthPattern();
}
