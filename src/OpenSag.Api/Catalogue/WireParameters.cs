using System.Net;
using System.Text.RegularExpressions;
using OpenSag.Domain;
using OpenSag.Errors;

namespace OpenSag.Api.Catalogue;

/// <summary>
/// Parameters shared by several actions, with the constraints of spec/smartag-api.md §1. Each action lists the
/// ones it takes; a constraint that differs per action (e.g. the KickOutClients errors) is set there.
/// </summary>
public static partial class WireParameters
{
    public static readonly Parameter<string> RegionId = Parameter.String("RegionId", "Region of the instance, e.g. cn-shanghai.")
        .AsRequired(ErrorCatalogue.MissingRegionId)
        .Matching(s => RegionPattern().IsMatch(s), "lower-case letters (2 or more), then 1–4 times a - followed by lower-case letters or digits (cn-shanghai)");

    /// <summary>Any id up to 64 characters; one that names no instance is SAG.InstanceNoFound, not a format error.</summary>
    public static readonly Parameter<string> SmartAgId = Parameter.String("SmartAGId", "ID of the SAG App instance (sag-…).")
        .AsRequired(ErrorCatalogue.InstanceIdEmpty).Matching(s => s.Length <= 64, UpTo64).WhenInvalid(ErrorCatalogue.InstanceNotFound);

    /// <summary>A user name as created: <see cref="UserNamePattern"/>, so a 6-character name is ClientUser.NameInvalid.</summary>
    public static readonly Parameter<string> UserName = Parameter.String("UserName", "Client account name.")
        .AsRequired(ErrorCatalogue.UserNameEmpty)
        .Matching(IsUserName, "7–33 characters: letters A–Z a–z, digits, _ @ . -, starting with a letter or digit")
        .WhenInvalid(ErrorCatalogue.UserNameInvalid);

    public static readonly Parameter<string?> UserMail = Parameter.String("UserMail", "E-mail address of the account.")
        .Matching(IsMail, "an e-mail address (name@example.com) of up to 128 characters: one @, a dot in the part after it, no spaces")
        .WhenInvalid(ErrorCatalogue.EmailInvalid);

    public static readonly Parameter<int?> Bandwidth = Parameter.Integer("Bandwidth", "Kbit/s for all of the user's sessions together.")
        .Between(1, 20_000).WhenInvalid(ErrorCatalogue.BandwidthInvalid);

    public static readonly Parameter<IReadOnlyList<string>> UserNames = Parameter.List("UserNames", "User names, UserNames.1, UserNames.2, ….")
        .AtMost(50).Matching(s => s.Length <= 64, UpTo64);

    public static readonly Parameter<IReadOnlyList<string>> SmartAgIds = Parameter.List("SmartAGIds", "Instance ids, SmartAGIds.1, SmartAGIds.2, ….")
        .AtMost(50).Matching(s => s.Length <= 64, UpTo64);

    public static readonly Parameter<int?> PageNumber = Parameter.Integer("PageNumber", "Page to return (default 1).")
        .Between(1, int.MaxValue);

    /// <summary>A new PageSize handle with its own limit; an action keeps the one it declares in a field to read it.</summary>
    public static Parameter<int?> PageSize(int max) => Parameter.Integer("PageSize", "Entries per page (default 10).")
        .Between(1, max);

    /// <summary>
    /// The idempotency token of the actions that take one (issue 12 item 5; <see cref="Protocol.IdempotentCalls"/>):
    /// ASCII as ECS and VPC define it, refused with their InvalidClientToken.ValueNotSupported otherwise.
    /// </summary>
    /// <remarks>Handlers never read it: the RPC pipeline does, before the handler runs (<see cref="Protocol.RpcEndpoint"/>).</remarks>
    public static readonly Parameter<string?> ClientToken = Parameter.String("ClientToken",
            "Idempotency token: a repeat with the same token and parameters gets the first answer again, within 24 hours.")
        .Matching(Protocol.IdempotentCalls.IsToken, "1–64 printable ASCII characters")
        .WhenInvalid(ErrorCatalogue.InvalidClientToken);

    /// <summary>The rule text of the ids and names that are only bounded in length (<c>s.Length &lt;= 64</c>).</summary>
    public const string UpTo64 = "up to 64 characters";

    /// <summary>The rule text of <see cref="IsIpv4"/>.</summary>
    public const string Ipv4Rule = "an IPv4 address in dotted form (10.0.5.20)";

    /// <summary>
    /// Owner parameters every Smartag request model carries (spec §1.0). They name accounts of the cloud's billing
    /// system, which a self-hosted gateway does not have: accepted so SDK calls that set them work, and ignored.
    /// </summary>
    public static readonly IReadOnlyList<ParameterSpec> Owner =
    [
        new("OwnerAccount", ParameterKind.String, "Accepted for compatibility; ignored."),
        new("OwnerId", ParameterKind.Long, "Accepted for compatibility; ignored."),
        new("ResourceOwnerAccount", ParameterKind.String, "Accepted for compatibility; ignored."),
        new("ResourceOwnerId", ParameterKind.Long, "Accepted for compatibility; ignored."),
    ];

    public static bool IsUserName(string value) => UserNamePattern().IsMatch(value);

    public static bool IsMail(string value) => value.Length <= 128 && MailPattern().IsMatch(value);

    public static bool IsIpv4(string value) =>
        value.Count(c => c == '.') == 3 && IPAddress.TryParse(value, out var address) && address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork;

    public static bool IsCidr(string value) => ClientAddressSpace.TryParse(value, out _);

    [GeneratedRegex(@"^[a-z]{2,}(-[a-z0-9]+){1,4}\z")]
    private static partial Regex RegionPattern();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9_@.-]{6,32}\z")]
    private static partial Regex UserNamePattern();

    [GeneratedRegex(@"^[^@\s]+@[^@\s]+\.[^@\s]+\z")]
    private static partial Regex MailPattern();
}
