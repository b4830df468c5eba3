using System.Net;
using OpenSag.Domain;
using OpenSag.Sessions;
using OpenSag.Storage;

namespace OpenSag.Gateway.Sessions;

/// <summary>
/// The ClientIps held by the sessions of one gateway node, in this process (a cluster holds them in a shared table
/// instead): dynamic leases from this node's slice of an instance's CIDR block, and static ClientIps held for their
/// users. See <see cref="IClientIpLeases"/> for the rule that no two users' sessions share an address.
/// </summary>
public sealed class ClientIpPool(IClientUserStore users, ClientIpSlice slice) : IClientIpLeases
{
    /// <summary>Each retry follows a static ClientIp stored while its address was being leased: this many in a row is an admin storm, not bad luck.</summary>
    private const int MaxAttempts = 16;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Dictionary<uint, Holder>> _held = [];

    public ClientIpSlice Slice => slice;

    public async Task<IPAddress?> LeaseAsync(Instance instance, string sessionId, IPAddress? preferred, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instance);
        if (!ClientAddressSpace.TryParse(instance.CidrBlock, out var space))
        {
            return null;
        }

        var reserved = await StaticClientAddresses.ReadAsync(users, instance.SmartAGId, cancellationToken);
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            uint picked;
            lock (_gate)
            {
                var held = HeldOf(instance.SmartAGId);
                if (slice.FirstFree(space, a => held.ContainsKey(a) || reserved.Contains(a), preferred) is not { } free)
                {
                    return null;
                }

                held[free] = new Holder(null);
                picked = free;
            }

            // A user created (or moved in) with this static ClientIp after the read above must win: its write checked
            // IsHeldAsync before this lease existed. Reading again now that the lease is visible closes that race.
            var address = Ipv4.FromUInt32(picked);
            try
            {
                reserved = await StaticClientAddresses.ReadAsync(users, instance.SmartAGId, cancellationToken);
            }
            catch
            {
                Release(instance.SmartAGId, address, sessionId);
                throw;
            }

            if (!reserved.Contains(picked))
            {
                return address;
            }

            Release(instance.SmartAGId, address, sessionId);
        }

        throw new TimeoutException($"No client address lease after {MaxAttempts} attempts: static ClientIps were stored for each one as it was leased.");
    }

    public Task<bool> TryHoldStaticAsync(Instance instance, string userName, IPAddress address, string sessionId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instance);
        var value = Ipv4.ToUInt32(address);
        lock (_gate)
        {
            var held = HeldOf(instance.SmartAGId);
            if (!held.TryGetValue(value, out var holder))
            {
                held[value] = new Holder(userName);
                return Task.FromResult(true);
            }

            if (holder.StaticUser != userName)
            {
                return Task.FromResult(false);
            }

            holder.Sessions++;
            return Task.FromResult(true);
        }
    }

    public Task<bool> IsHeldAsync(string smartAgId, IPAddress address, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_held.TryGetValue(smartAgId, out var held) && held.ContainsKey(Ipv4.ToUInt32(address)));
        }
    }

    public void Release(string smartAgId, IPAddress address, string sessionId)
    {
        var value = Ipv4.ToUInt32(address);
        lock (_gate)
        {
            if (_held.TryGetValue(smartAgId, out var held) && held.TryGetValue(value, out var holder) && --holder.Sessions == 0)
            {
                held.Remove(value);
                if (held.Count == 0)
                {
                    _held.Remove(smartAgId);
                }
            }
        }
    }

    /// <summary>Under the lock.</summary>
    private Dictionary<uint, Holder> HeldOf(string smartAgId)
    {
        if (!_held.TryGetValue(smartAgId, out var held))
        {
            _held[smartAgId] = held = [];
        }

        return held;
    }

    /// <summary>Who holds one address: a dynamic lease (one session), or a user's static ClientIp (its sessions, counted).</summary>
    private sealed class Holder(string? staticUser)
    {
        public string? StaticUser { get; } = staticUser;

        public int Sessions { get; set; } = 1;
    }
}
