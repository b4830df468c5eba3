using System.Net;
using OpenSag.Domain;
using OpenSag.Storage;

namespace OpenSag.Gateway.Sessions;

/// <summary>
/// Hands out client addresses from an instance's CIDR block to sessions of users without a static ClientIp, and
/// takes them back when the session ends. Addresses held as static ClientIp by users of the instance are never
/// handed out. Leases live in this process (one gateway node); several nodes need the shared store (issue 5).
/// </summary>
public sealed class ClientIpPool(IClientUserStore users)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, HashSet<uint>> _leased = [];

    /// <summary>A free address, or null when the block is exhausted.</summary>
    public async Task<IPAddress?> LeaseAsync(Instance instance, CancellationToken cancellationToken)
    {
        if (!ClientAddressSpace.TryParse(instance.CidrBlock, out var space))
        {
            return null;
        }

        var reserved = await StaticAddressesAsync(instance.SmartAGId, cancellationToken);
        lock (_gate)
        {
            if (!_leased.TryGetValue(instance.SmartAGId, out var leased))
            {
                _leased[instance.SmartAGId] = leased = [];
            }

            for (var candidate = space.FirstHost; candidate <= space.LastHost; candidate++)
            {
                if (!leased.Contains(candidate) && !reserved.Contains(candidate))
                {
                    leased.Add(candidate);
                    return Ipv4.FromUInt32(candidate);
                }
            }
        }

        return null;
    }

    public void Release(string smartAgId, IPAddress address)
    {
        lock (_gate)
        {
            if (_leased.TryGetValue(smartAgId, out var leased) && leased.Remove(Ipv4.ToUInt32(address)) && leased.Count == 0)
            {
                _leased.Remove(smartAgId);
            }
        }
    }

    private async Task<HashSet<uint>> StaticAddressesAsync(string smartAgId, CancellationToken cancellationToken)
    {
        var result = new HashSet<uint>();
        for (var page = 1; ; page++)
        {
            var batch = await users.ListUsersAsync(new UserFilter(smartAgId), page, 100, cancellationToken);
            foreach (var user in batch.Items.Where(u => u.IsStaticIp))
            {
                result.Add(Ipv4.ToUInt32(IPAddress.Parse(user.ClientIp)));
            }

            if (batch.Items.Count == 0 || page * 100 >= batch.TotalCount)
            {
                return result;
            }
        }
    }
}
