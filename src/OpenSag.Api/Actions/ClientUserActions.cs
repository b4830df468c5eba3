using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using OpenSag.Api.Catalogue;
using OpenSag.Api.Responses;
using OpenSag.Domain;
using OpenSag.Errors;
using OpenSag.Services;
using static OpenSag.Api.Catalogue.WireParameters;

namespace OpenSag.Api.Actions;

/// <summary>Client accounts of SAG App instances: spec/smartag-api.md §1.1–§1.7, §1.13–§1.15.</summary>
public static partial class ClientUserActions
{
    public static readonly ActionDefinition Create = new(
        "CreateSmartAccessGatewayClientUser",
        "Creates a client account on an instance whose CidrBlock is set.",
        [
            RegionId,
            SmartAgId,
            UserMail.AsRequired(ErrorCatalogue.EmailEmpty),
            Bandwidth,
            UserName,
            new ParameterSpec("Password", ParameterKind.String, "The account's password.")
                .AsRequired().Matching(s => CreatePasswordPattern().IsMatch(s), "8–32 characters: letters A–Z a–z, digits, _ @ -, starting with a letter or digit"),
            new ParameterSpec("ClientIp", ParameterKind.String, "Fixed client address inside the instance CIDR; else one is allocated per connection.")
                .Matching(IsIpv4, Ipv4Rule).WhenInvalid(ErrorCatalogue.ClientIpInvalid),
        ],
        ["UserName", "UserMail", "Bandwidth", "ClientIp"],
        async (context, ct) =>
        {
            var a = context.Arguments;
            var user = await Users(context).CreateAsync(a.String("RegionId"), a.String("SmartAGId"), a.String("UserName"), a.String("Password"),
                a.String("UserMail"), a.OptionalInteger("Bandwidth") ?? DefaultBandwidth, a.OptionalString("ClientIp"), ct);
            return Summary(user);
        });

    public static readonly ActionDefinition List = new(
        "DescribeSmartAccessGatewayClientUsers",
        "Lists the client accounts of an instance, paged, optionally filtered by exact name or e-mail.",
        [
            RegionId,
            SmartAgId,
            (UserName with { Required = false }).Matching(s => s.Length <= 64, UpTo64),
            UserMail.Matching(s => s.Length <= 128, "up to 128 characters"),
            PageNumber,
            PageSize(100),
        ],
        ["TotalCount", "PageNumber", "PageSize", "Users.User[]"],
        async (context, ct) =>
        {
            var a = context.Arguments;
            var page = await Users(context).ListAsync(a.String("RegionId"), a.String("SmartAGId"), a.OptionalString("UserName"), a.OptionalString("UserMail"),
                a.OptionalInteger("PageNumber") ?? 1, a.OptionalInteger("PageSize") ?? 10, ct);
            return new ResponseBody
            {
                { "TotalCount", page.TotalCount },
                { "PageNumber", page.PageNumber },
                { "PageSize", page.PageSize },
                { "Users", new WrappedList("User", [.. page.Items.Select(ListItem)]) },
            };
        });

    public static readonly ActionDefinition Modify = new(
        "ModifySmartAccessGatewayClientUser",
        "Changes a client account's bandwidth or e-mail.",
        [RegionId, SmartAgId, UserName, Bandwidth, UserMail with { Name = "Email", Description = "New e-mail address (the request says Email; the response says UserMail)." }],
        ["UserName", "UserMail", "Bandwidth", "ClientIp"],
        async (context, ct) =>
        {
            var a = context.Arguments;
            var user = await Users(context).ModifyAsync(a.String("RegionId"), a.String("SmartAGId"), a.String("UserName"),
                a.OptionalInteger("Bandwidth"), a.OptionalString("Email"), ct);
            return Summary(user);
        });

    public static readonly ActionDefinition ResetPassword = new(
        "ResetSmartAccessGatewayClientUserPassword",
        "Sets a new password. OpenSAG sends no e-mail, so the new Password is required.",
        [
            RegionId,
            SmartAgId,
            UserName,
            new ParameterSpec("Password", ParameterKind.String, "The account's new password.")
                .AsRequired().Matching(s => ResetPasswordPattern().IsMatch(s), "8–32 characters: letters A–Z a–z, digits, _ @ . -, starting with a letter or digit"),
        ],
        [],
        async (context, ct) =>
        {
            var a = context.Arguments;
            await Users(context).ResetPasswordAsync(a.String("RegionId"), a.String("SmartAGId"), a.String("UserName"), a.String("Password"), ct);
            return ResponseBody.Empty;
        });

    public static readonly ActionDefinition Delete = new(
        "DeleteSmartAccessGatewayClientUser",
        "Deletes a client account and ends its online sessions.",
        [RegionId, SmartAgId, UserName],
        [],
        async (context, ct) =>
        {
            var a = context.Arguments;
            await Users(context).DeleteAsync(context.Caller, a.String("RegionId"), a.String("SmartAGId"), a.String("UserName"), ct);
            return ResponseBody.Empty;
        });

    public static readonly ActionDefinition Enable = new(
        "EnableSmartAccessGatewayUser",
        "Enables a client account (State 0).",
        [RegionId, SmartAgId, UserName],
        [],
        async (context, ct) =>
        {
            var a = context.Arguments;
            await Users(context).EnableAsync(a.String("RegionId"), a.String("SmartAGId"), a.String("UserName"), ct);
            return ResponseBody.Empty;
        });

    public static readonly ActionDefinition Disable = new(
        "DisableSmartAccessGatewayUser",
        "Disables a client account (State 1), ends its sessions and refuses its logins.",
        [RegionId, SmartAgId, UserName],
        [],
        async (context, ct) =>
        {
            var a = context.Arguments;
            await Users(context).DisableAsync(context.Caller, a.String("RegionId"), a.String("SmartAGId"), a.String("UserName"), ct);
            return ResponseBody.Empty;
        });

    public static readonly ActionDefinition Roam = new(
        "RoamClientUser",
        "Moves a client account to another instance; its sessions on the origin end.",
        [
            RegionId,
            RegionId with { Name = "OriginRegionId", MissingError = ErrorCatalogue.Missing("OriginRegionId"), InvalidError = ErrorCatalogue.Invalid("OriginRegionId"), Description = "Region of the origin instance." },
            SmartAgId with { Name = "OriginSmartAGId", Description = "Instance the account is on now." },
            SmartAgId with { Name = "TargetSmartAGId", Description = "Instance to move it to (in RegionId)." },
            UserName,
        ],
        [],
        async (context, ct) =>
        {
            var a = context.Arguments;
            await Users(context).RoamAsync(context.Caller, a.String("OriginRegionId"), a.String("OriginSmartAGId"),
                a.String("RegionId"), a.String("TargetSmartAGId"), a.String("UserName"), ct);
            return ResponseBody.Empty;
        });

    public static readonly ActionDefinition DescribeDns = new(
        "DescribeClientUserDNS",
        "Shows the DNS servers clients use while connected (AppDNS) and after (RecoveredDNS).",
        [RegionId, SmartAgId],
        ["AppDNS[]", "RecoveredDNS[]"],
        async (context, ct) =>
        {
            var a = context.Arguments;
            var instance = await context.Services.GetRequiredService<InstanceService>().GetAsync(a.String("RegionId"), a.String("SmartAGId"), ct);
            return new ResponseBody
            {
                { "AppDNS", new PlainList(instance.AppDns) },
                { "RecoveredDNS", new PlainList(instance.RecoveredDns) },
            };
        });

    public static readonly ActionDefinition ModifyDns = new(
        "ModifyClientUserDNS",
        "Sets both DNS lists; an omitted list is cleared.",
        [
            RegionId,
            SmartAgId,
            new ParameterSpec("AppDNS", ParameterKind.StringList, "IPv4 DNS servers while connected, AppDNS.1 and AppDNS.2.").AtMost(2).Matching(IsIpv4, Ipv4Rule).WhenInvalid(ErrorCatalogue.DnsIpInvalid),
            new ParameterSpec("RecoveredDNS", ParameterKind.StringList, "IPv4 DNS servers after disconnecting, RecoveredDNS.1 and .2.").AtMost(2).Matching(IsIpv4, Ipv4Rule).WhenInvalid(ErrorCatalogue.DnsIpInvalid),
        ],
        [],
        async (context, ct) =>
        {
            var a = context.Arguments;
            await context.Services.GetRequiredService<InstanceService>().SetDnsAsync(a.String("RegionId"), a.String("SmartAGId"), a.List("AppDNS"), a.List("RecoveredDNS"), ct);
            return ResponseBody.Empty;
        });

    public static IEnumerable<ActionDefinition> All => [Create, List, Modify, ResetPassword, Delete, Enable, Disable, Roam, DescribeDns, ModifyDns];

    /// <summary>The cloud's documented default when Bandwidth is not sent.</summary>
    private const int DefaultBandwidth = 2000;

    private static ResponseBody Summary(ClientUser user) => new()
    {
        { "UserName", user.UserName },
        { "UserMail", user.UserMail },
        { "Bandwidth", user.Bandwidth },
        { "ClientIp", user.ClientIp },
    };

    private static ResponseBody ListItem(ClientUser user) => new()
    {
        { "UserName", user.UserName },
        { "UserMail", user.UserMail },
        { "Bandwidth", user.Bandwidth },
        { "ClientIp", user.ClientIp },
        { "State", (int)user.State },
        { "AccelerateBandwidth", user.AccelerateBandwidth },
        { "IsStaticIp", user.IsStaticIp ? 1L : 0L },
    };

    private static ClientUserService Users(ActionContext context) => context.Services.GetRequiredService<ClientUserService>();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_@-]{7,31}$")]
    private static partial Regex CreatePasswordPattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_@.-]{7,31}$")]
    private static partial Regex ResetPasswordPattern();
}
