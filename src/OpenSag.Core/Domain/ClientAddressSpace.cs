using System.Net;
using System.Net.Sockets;

namespace OpenSag.Domain;

/// <summary>
/// An instance's IPv4 client address space (<c>CidrBlock</c>). The cloud accepts a block written with host bits
/// set (its own example is <c>172.16.0.1/24</c>), so parsing masks them off rather than refusing.
/// </summary>
public sealed class ClientAddressSpace
{
    private ClientAddressSpace(IPNetwork network) => Network = network;

    public IPNetwork Network { get; }

    /// <summary>Prefixes from /8 to /30: a /31 or /32 leaves no address for a client once network and broadcast are reserved.</summary>
    public static bool TryParse(string? text, out ClientAddressSpace space)
    {
        space = null!;
        var slash = text?.IndexOf('/', StringComparison.Ordinal) ?? -1;
        if (text is null || slash <= 0
            || !IPAddress.TryParse(text.AsSpan(0, slash), out var address) || address.AddressFamily != AddressFamily.InterNetwork
            || text.AsSpan(0, slash).Count('.') != 3
            || !int.TryParse(text.AsSpan(slash + 1), System.Globalization.NumberStyles.None, null, out var prefix)
            || prefix is < 8 or > 30)
        {
            return false;
        }

        var mask = uint.MaxValue << (32 - prefix);
        space = new ClientAddressSpace(new IPNetwork(Ipv4.FromUInt32(Ipv4.ToUInt32(address) & mask), prefix));
        return true;
    }

    /// <summary>
    /// Whether the block stored as <paramref name="cidrBlock"/> can assign the stored static <paramref name="clientIp"/>;
    /// false when either is empty or malformed. The stores call this inside the transaction that writes either value.
    /// </summary>
    public static bool CanAssign(string cidrBlock, string clientIp) =>
        TryParse(cidrBlock, out var space) && IPAddress.TryParse(clientIp, out var address) && space.IsAssignable(address);

    /// <summary>True for an address a client may hold: inside the block, and neither its network nor broadcast address.</summary>
    public bool IsAssignable(IPAddress address)
    {
        if (address.AddressFamily != AddressFamily.InterNetwork || !Network.Contains(address))
        {
            return false;
        }

        var value = Ipv4.ToUInt32(address);
        return value >= FirstHost && value <= LastHost;
    }

    /// <summary>The first address a client may hold (the one after the network address).</summary>
    public uint FirstHost => Ipv4.ToUInt32(Network.BaseAddress) + 1;

    /// <summary>The last address a client may hold (the one before the broadcast address).</summary>
    public uint LastHost => (Ipv4.ToUInt32(Network.BaseAddress) | (uint.MaxValue >> Network.PrefixLength)) - 1;

    /// <summary>Whether the two blocks share an address: for CIDR prefixes, whether one contains the other's base.</summary>
    public bool Overlaps(ClientAddressSpace other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Network.Contains(other.Network.BaseAddress) || other.Network.Contains(Network.BaseAddress);
    }

    /// <summary>
    /// Whether <paramref name="cidrBlock"/> overlaps any of the stored <paramref name="others"/> (empty or malformed ones
    /// are skipped: they route nothing). The stores call this inside the transaction that writes the block.
    /// </summary>
    public bool OverlapsAny(IEnumerable<string> others) =>
        others.Any(text => TryParse(text, out var other) && Overlaps(other));

    public override string ToString() => Network.ToString();
}
