namespace OpenSag.Services;

/// <summary>Who made a call, for the audit log: the access key it was signed with (or the console was signed in with) and the peer's IP address.</summary>
public sealed record Caller(string AccessKeyId, string SourceAddress)
{
    /// <summary>The API, signed with an access key.</summary>
    public const string ApiChannel = "api";

    /// <summary>The web console, signed in with an access key.</summary>
    public const string ConsoleChannel = "console";

    /// <summary>How the call came in: <see cref="ApiChannel"/> or <see cref="ConsoleChannel"/>.</summary>
    public string Channel { get; init; } = ApiChannel;

    /// <summary>
    /// A peer address as the audit log writes it: an IPv4 peer of a dual-stack listener arrives as an IPv4-mapped IPv6
    /// address (RFC 4291 §2.5.5.2, <c>::ffff:192.0.2.1</c>) and is written as the IPv4 address it is; unknown is empty.
    /// </summary>
    public static string AddressText(System.Net.IPAddress? address) =>
        address is null ? "" : (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString();
}
