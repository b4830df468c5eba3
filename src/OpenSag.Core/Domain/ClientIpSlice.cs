using System.Numerics;

namespace OpenSag.Domain;

/// <summary>
/// The part of every instance's CIDR block this gateway node leases dynamic ClientIps from (<c>serve
/// --client-ip-slice K/N</c>): the K-th of N equal, contiguous slices. With one slice per node the private network
/// needs one route per node (the slice's prefix to that node's address) for return traffic to find the node that holds
/// the session (issue 11 item 6). The default 1/1 is the whole block.
/// </summary>
public sealed record ClientIpSlice
{
    /// <summary>The largest block a CIDR of /8 (<see cref="ClientAddressSpace.TryParse"/>'s widest) holds: 2^24 addresses.</summary>
    public const int MaxCount = 1 << 24;

    private ClientIpSlice(int index, int count)
    {
        Index = index;
        Count = count;
    }

    /// <summary>The whole block: a single node, or nodes that route return traffic some other way.</summary>
    public static ClientIpSlice Whole { get; } = new(1, 1);

    /// <summary>K: 1-based position of this node's slice.</summary>
    public int Index { get; }

    /// <summary>N: how many equal slices each block is cut into; a power of two, so each slice is itself a CIDR prefix.</summary>
    public int Count { get; }

    public bool IsWhole => Count == 1;

    /// <summary>
    /// Parses <c>K/N</c>: N a power of two from 1 to <see cref="MaxCount"/>, 1 ≤ K ≤ N. False with a one-line
    /// <paramref name="error"/> otherwise. Whether a given block holds N slices is known only per instance (see
    /// <see cref="HostsOf"/>).
    /// </summary>
    public static bool TryParse(string? text, out ClientIpSlice slice, out string error)
    {
        slice = Whole;
        var slash = text?.IndexOf('/', StringComparison.Ordinal) ?? -1;
        if (text is null || slash <= 0
            || !int.TryParse(text.AsSpan(0, slash), System.Globalization.NumberStyles.None, null, out var index)
            || !int.TryParse(text.AsSpan(slash + 1), System.Globalization.NumberStyles.None, null, out var count))
        {
            error = $"'{text}' is not K/N (for example 2/4: the second of four slices).";
            return false;
        }

        if (count is < 1 or > MaxCount || !BitOperations.IsPow2(count))
        {
            error = $"N in '{text}' must be a power of two from 1 to {MaxCount} (each slice is then a CIDR prefix of the block).";
            return false;
        }

        if (index < 1 || index > count)
        {
            error = $"K in '{text}' must be from 1 to N.";
            return false;
        }

        slice = new ClientIpSlice(index, count);
        error = "";
        return true;
    }

    /// <summary>
    /// The first and last address of this slice of <paramref name="space"/> a client may hold (the block's network and
    /// broadcast addresses excluded), or null when the slice holds none: the block has fewer addresses than N, or the
    /// slice is a /31 or /32 at the block's edge (e.g. 1/4 of a /30 is only the network address).
    /// </summary>
    public (uint First, uint Last)? HostsOf(ClientAddressSpace space)
    {
        ArgumentNullException.ThrowIfNull(space);
        var size = 1UL << (32 - space.Network.PrefixLength);
        if ((ulong)Count > size)
        {
            return null;
        }

        var sliceSize = size / (ulong)Count;
        var start = (ulong)Ipv4.ToUInt32(space.Network.BaseAddress) + ((ulong)(Index - 1) * sliceSize);
        var first = Math.Max(start, space.FirstHost);
        var last = Math.Min(start + sliceSize - 1, space.LastHost);
        return first <= last ? ((uint)first, (uint)last) : null;
    }

    /// <summary>
    /// <paramref name="preferred"/> when it is an address of this slice a client may hold and it is not taken, else the
    /// lowest such address that is not taken; null when none is free.
    /// </summary>
    /// <param name="preferred">The address a resuming session had, or null; anything but IPv4 is ignored.</param>
    public uint? FirstFree(ClientAddressSpace space, Func<uint, bool> isTaken, System.Net.IPAddress? preferred = null)
    {
        ArgumentNullException.ThrowIfNull(isTaken);
        if (HostsOf(space) is not { } hosts)
        {
            return null;
        }

        if (preferred is { AddressFamily: System.Net.Sockets.AddressFamily.InterNetwork } && Ipv4.ToUInt32(preferred) is var wanted
            && wanted >= hosts.First && wanted <= hosts.Last && !isTaken(wanted))
        {
            return wanted;
        }

        for (var candidate = hosts.First; ; candidate++)
        {
            if (!isTaken(candidate))
            {
                return candidate;
            }

            if (candidate == hosts.Last)
            {
                return null;
            }
        }
    }

    public override string ToString() => $"{Index}/{Count}";
}
