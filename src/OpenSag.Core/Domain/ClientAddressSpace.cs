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
        var baseAddress = ToUInt32(address) & mask;
        space = new ClientAddressSpace(new IPNetwork(FromUInt32(baseAddress), prefix));
        return true;
    }

    /// <summary>True for an address a client may hold: inside the block, and neither its network nor broadcast address.</summary>
    public bool IsAssignable(IPAddress address)
    {
        if (address.AddressFamily != AddressFamily.InterNetwork || !Network.Contains(address))
        {
            return false;
        }

        var value = ToUInt32(address);
        var first = ToUInt32(Network.BaseAddress);
        var last = first | (uint.MaxValue >> Network.PrefixLength);
        return value != first && value != last;
    }

    public override string ToString() => Network.ToString();

    private static uint ToUInt32(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[4];
        address.TryWriteBytes(bytes, out _);
        return (uint)(bytes[0] << 24 | bytes[1] << 16 | bytes[2] << 8 | bytes[3]);
    }

    private static IPAddress FromUInt32(uint value) =>
        new([(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value]);
}
