using System.Net;
using System.Net.Sockets;

namespace OpenSag.Security;

/// <summary>
/// Who a connection comes from, for every limit keyed by source (connection caps, login throttling, the password
/// check queue, the console's sign-in throttle): one way to say it, so a client is the same "source" to all of them.
/// </summary>
public static class ClientSource
{
    /// <summary>
    /// The IPv4 address (an IPv4-mapped IPv6 one included), or the /64 prefix of an IPv6 address with the host half
    /// zeroed: one IPv6 host is normally given a whole /64 (RFC 4291 §2.5.1 interface identifiers) and could rotate
    /// through it.
    /// </summary>
    public static IPAddress Of(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address;
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes);
    }
}
