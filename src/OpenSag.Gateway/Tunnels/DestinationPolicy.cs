using System.Net;

namespace OpenSag.Gateway.Tunnels;

/// <summary>Which addresses a tunnel may reach (<c>--tunnel-allow</c>). IPv4-mapped IPv6 is judged as the IPv4 it maps.</summary>
public sealed class DestinationPolicy(IReadOnlyList<IPNetwork> allowed)
{
    public bool Allows(IPAddress address)
    {
        var candidate = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        return allowed.Any(n => n.BaseAddress.AddressFamily == candidate.AddressFamily && n.Contains(candidate));
    }
}
