using System.Net;
using System.Net.Sockets;
using OpenSag.Domain;

namespace OpenSag.Gateway.Tunnels;

/// <summary>Which addresses a tunnel or a packet may reach (<c>--tunnel-allow</c>). IPv4-mapped IPv6 is judged as the IPv4 it maps.</summary>
public sealed class DestinationPolicy(IReadOnlyList<IPNetwork> allowed)
{
    /// <summary>The IPv4 networks as (base, mask) in host order: the packet path judges every packet without allocating.</summary>
    private readonly (uint Base, uint Mask)[] _ipv4 =
        [.. allowed.Where(n => n.BaseAddress.AddressFamily == AddressFamily.InterNetwork)
            .Select(n => n.PrefixLength == 0 ? (0u, 0u) : (Ipv4.ToUInt32(n.BaseAddress), uint.MaxValue << (32 - n.PrefixLength)))];

    public bool Allows(IPAddress address)
    {
        var candidate = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        return allowed.Any(n => n.BaseAddress.AddressFamily == candidate.AddressFamily && n.Contains(candidate));
    }

    /// <summary>Whether the IPv4 address <paramref name="address"/> (host order, as <see cref="Ipv4.ToUInt32"/>) is allowed.</summary>
    public bool Allows(uint address)
    {
        foreach (var (network, mask) in _ipv4)
        {
            if ((address & mask) == network)
            {
                return true;
            }
        }

        return false;
    }
}
