using System.Text.RegularExpressions;
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
    public static readonly Parameter<string> CreateMail = UserMail.AsRequired(ErrorCatalogue.EmailEmpty);

    public static readonly Parameter<string> CreatePassword = Parameter.String("Password", "The account's password.")
        .AsRequired().Matching(s => CreatePasswordPattern().IsMatch(s), "8–32 characters: letters A–Z a–z, digits, _ @ -, starting with a letter or digit");

    public static readonly Parameter<string?> ClientIp = Parameter.String("ClientIp", "Fixed client address inside the instance CIDR; else one is allocated per connection.")
        .Matching(IsIpv4, Ipv4Rule).WhenInvalid(ErrorCatalogue.ClientIpInvalid);

    /// <summary>The spec's answer of Create/Modify: the account as stored.</summary>
    public static readonly ResponseShape<ClientUser> UserSummary = ResponseShape.Of<ClientUser>()
        .String("UserName", u => u.UserName)
        .String("UserMail", u => u.UserMail)
        .Integer("Bandwidth", u => u.Bandwidth)
        .String("ClientIp", u => u.ClientIp);

    public static readonly ActionDefinition Create = ActionDefinition.Define(
        "CreateSmartAccessGatewayClientUser",
        "Creates a client account on an instance whose CidrBlock is set.",
        [RegionId, SmartAgId, CreateMail, Bandwidth, UserName, CreatePassword, ClientIp],
        UserSummary,
        static (ClientUserService users, ActionContext a, CancellationToken ct) => users.CreateAsync(a.Get(RegionId), a.Get(SmartAgId), a.Get(UserName),
            a.Get(CreatePassword), a.Get(CreateMail), a.Get(Bandwidth) ?? DefaultBandwidth, a.Get(ClientIp), ct))
        .Raising(ErrorCatalogue.InstanceNotFound, ErrorCatalogue.CidrEmpty, ErrorCatalogue.UserExists, ErrorCatalogue.UserOverLimit);

    public static readonly Parameter<string?> UserNameFilter = UserName.AsOptional().Matching(s => s.Length <= 64, UpTo64);

    public static readonly Parameter<string?> UserMailFilter = UserMail.Matching(s => s.Length <= 128, "up to 128 characters");

    public static readonly Parameter<int?> UsersPageSize = PageSize(100);

    public static readonly ActionDefinition List = ActionDefinition.Define(
        "DescribeSmartAccessGatewayClientUsers",
        "Lists the client accounts of an instance, paged, optionally filtered by exact name or e-mail.",
        [RegionId, SmartAgId, UserNameFilter, UserMailFilter, PageNumber, UsersPageSize],
        ResponseShape.Of<Page<ClientUser>>()
            .Integer("TotalCount", p => p.TotalCount)
            .Integer("PageNumber", p => p.PageNumber)
            .Integer("PageSize", p => p.PageSize)
            .List("Users", "User", p => p.Items, ResponseShape.Of<ClientUser>()
                .String("UserName", u => u.UserName)
                .String("UserMail", u => u.UserMail)
                .Integer("Bandwidth", u => u.Bandwidth)
                .String("ClientIp", u => u.ClientIp)
                .Integer("State", u => (int)u.State)
                .Long("AccelerateBandwidth", u => u.AccelerateBandwidth)
                .Long("IsStaticIp", u => u.IsStaticIp ? 1L : 0L)),
        static (ClientUserService users, ActionContext a, CancellationToken ct) => users.ListAsync(a.Get(RegionId), a.Get(SmartAgId), a.Get(UserNameFilter),
            a.Get(UserMailFilter), a.Get(PageNumber) ?? 1, a.Get(UsersPageSize) ?? 10, ct))
        .Raising(ErrorCatalogue.InstanceNotFound);

    public static readonly Parameter<string?> Email = UserMail.Named("Email", "New e-mail address (the request says Email; the response says UserMail).");

    public static readonly ActionDefinition Modify = ActionDefinition.Define(
        "ModifySmartAccessGatewayClientUser",
        "Changes a client account's bandwidth or e-mail.",
        [RegionId, SmartAgId, UserName, Bandwidth, Email],
        UserSummary,
        static (ClientUserService users, ActionContext a, CancellationToken ct) =>
            users.ModifyAsync(a.Get(RegionId), a.Get(SmartAgId), a.Get(UserName), a.Get(Bandwidth), a.Get(Email), ct))
        .Raising(ErrorCatalogue.InstanceNotFound, ErrorCatalogue.UserNotFound);

    public static readonly Parameter<string> NewPassword = Parameter.String("Password", "The account's new password.")
        .AsRequired().Matching(s => ResetPasswordPattern().IsMatch(s), "8–32 characters: letters A–Z a–z, digits, _ @ . -, starting with a letter or digit");

    public static readonly ActionDefinition ResetPassword = ActionDefinition.Define(
        "ResetSmartAccessGatewayClientUserPassword",
        "Sets a new password. OpenSAG sends no e-mail, so the new Password is required.",
        [RegionId, SmartAgId, UserName, NewPassword],
        static (ClientUserService users, ActionContext a, CancellationToken ct) =>
            users.ResetPasswordAsync(a.Get(RegionId), a.Get(SmartAgId), a.Get(UserName), a.Get(NewPassword), ct))
        .Raising(ErrorCatalogue.InstanceNotFound, ErrorCatalogue.UserNotFound);

    public static readonly ActionDefinition Delete = ActionDefinition.Define(
        "DeleteSmartAccessGatewayClientUser",
        "Deletes a client account and ends its online sessions.",
        [RegionId, SmartAgId, UserName],
        static (ClientUserService users, ActionContext a, CancellationToken ct) =>
            users.DeleteAsync(a.Caller, a.Get(RegionId), a.Get(SmartAgId), a.Get(UserName), ct))
        .Raising(ErrorCatalogue.InstanceNotFound, ErrorCatalogue.UserNotFound);

    public static readonly ActionDefinition Enable = ActionDefinition.Define(
        "EnableSmartAccessGatewayUser",
        "Enables a client account (State 0).",
        [RegionId, SmartAgId, UserName],
        static (ClientUserService users, ActionContext a, CancellationToken ct) => users.EnableAsync(a.Get(RegionId), a.Get(SmartAgId), a.Get(UserName), ct))
        .Raising(ErrorCatalogue.InstanceNotFound, ErrorCatalogue.UserNotFound);

    public static readonly ActionDefinition Disable = ActionDefinition.Define(
        "DisableSmartAccessGatewayUser",
        "Disables a client account (State 1), ends its sessions and refuses its logins.",
        [RegionId, SmartAgId, UserName],
        static (ClientUserService users, ActionContext a, CancellationToken ct) =>
            users.DisableAsync(a.Caller, a.Get(RegionId), a.Get(SmartAgId), a.Get(UserName), ct))
        .Raising(ErrorCatalogue.InstanceNotFound, ErrorCatalogue.UserNotFound);

    public static readonly Parameter<string> OriginRegionId = RegionId.Named("OriginRegionId", "Region of the origin instance.")
        .WhenMissing(ErrorCatalogue.Missing("OriginRegionId")).WhenInvalid(ErrorCatalogue.Invalid("OriginRegionId"));

    public static readonly Parameter<string> OriginSmartAgId = SmartAgId.Named("OriginSmartAGId", "Instance the account is on now.");

    public static readonly Parameter<string> TargetSmartAgId = SmartAgId.Named("TargetSmartAGId", "Instance to move it to (in RegionId).");

    public static readonly ActionDefinition Roam = ActionDefinition.Define(
        "RoamClientUser",
        "Moves a client account to another instance; its sessions on the origin end.",
        [RegionId, OriginRegionId, OriginSmartAgId, TargetSmartAgId, UserName],
        static (ClientUserService users, ActionContext a, CancellationToken ct) => users.RoamAsync(a.Caller, a.Get(OriginRegionId), a.Get(OriginSmartAgId),
            a.Get(RegionId), a.Get(TargetSmartAgId), a.Get(UserName), ct))
        .Raising(ErrorCatalogue.InstanceNotFound, ErrorCatalogue.UserNotFound, ErrorCatalogue.UserExists, ErrorCatalogue.CidrEmpty, ErrorCatalogue.UserOverLimit);

    public static readonly ActionDefinition DescribeDns = ActionDefinition.Define(
        "DescribeClientUserDNS",
        "Shows the DNS servers clients use while connected (AppDNS) and after (RecoveredDNS).",
        [RegionId, SmartAgId],
        ResponseShape.Of<Instance>()
            .PlainList("AppDNS", i => i.AppDns)
            .PlainList("RecoveredDNS", i => i.RecoveredDns),
        static (InstanceService instances, ActionContext a, CancellationToken ct) => instances.GetAsync(a.Get(RegionId), a.Get(SmartAgId), ct))
        .Raising(ErrorCatalogue.InstanceNotFound);

    public static readonly Parameter<IReadOnlyList<string>> AppDns = Parameter.List("AppDNS", "IPv4 DNS servers while connected, AppDNS.1 and AppDNS.2.")
        .AtMost(2).Matching(IsIpv4, Ipv4Rule).WhenInvalid(ErrorCatalogue.DnsIpInvalid);

    public static readonly Parameter<IReadOnlyList<string>> RecoveredDns = Parameter.List("RecoveredDNS", "IPv4 DNS servers after disconnecting, RecoveredDNS.1 and .2.")
        .AtMost(2).Matching(IsIpv4, Ipv4Rule).WhenInvalid(ErrorCatalogue.DnsIpInvalid);

    public static readonly ActionDefinition ModifyDns = ActionDefinition.Define(
        "ModifyClientUserDNS",
        "Sets both DNS lists; an omitted list is cleared.",
        [RegionId, SmartAgId, AppDns, RecoveredDns],
        static (InstanceService instances, ActionContext a, CancellationToken ct) =>
            instances.SetDnsAsync(a.Get(RegionId), a.Get(SmartAgId), a.Get(AppDns), a.Get(RecoveredDns), ct))
        .Raising(ErrorCatalogue.InstanceNotFound);

    public static IEnumerable<ActionDefinition> All => [Create, List, Modify, ResetPassword, Delete, Enable, Disable, Roam, DescribeDns, ModifyDns];

    /// <summary>The cloud's documented default when Bandwidth is not sent.</summary>
    private const int DefaultBandwidth = 2000;

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9_@-]{7,31}\z")]
    private static partial Regex CreatePasswordPattern();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9_@.-]{7,31}\z")]
    private static partial Regex ResetPasswordPattern();
}
