using System.Net;
using OpenSag.Domain;
using OpenSag.Sessions;
using OpenSag.Storage;

namespace OpenSag.Gateway.Sessions;

/// <summary>
/// Hands out client addresses from an instance's CIDR block to sessions of users without a static ClientIp, and
/// takes them back when the session ends. Addresses held as static ClientIp by users of the instance are never
/// handed out. Leases live in this process (one gateway node); a cluster leases from a shared table instead.
/// </summary>
public sealed class ClientIpPool(IClientUserStore users) : IClientIpLeases
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, HashSet<uint>> _leased = [];

    /// <summary>A free address, or null when the block is exhausted.</summary>
    public async Task<IPAddress?> LeaseAsync(Instance instance, string sessionId, CancellationToken cancellationToken)
    {
        if (!ClientAddressSpace.TryParse(instance.CidrBlock, out var space))
        {
            return null;
        }

        var reserved = await StaticClientAddresses.ReadAsync(users, instance.SmartAGId, cancellationToken);
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
}
