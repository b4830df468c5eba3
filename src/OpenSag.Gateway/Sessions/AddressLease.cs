using System.Net;
using OpenSag.Domain;
using OpenSag.Sessions;

namespace OpenSag.Gateway.Sessions;

/// <summary>
/// The ClientIp one session holds (its user's static address, or a dynamic lease from the block), handed to the
/// <see cref="GatewaySession"/> as it is created and given back exactly once by its close path, however admission ended.
/// </summary>
public sealed class AddressLease(IClientIpLeases pool, string smartAgId, IPAddress address, string sessionId)
{
    private int _released;

    public IPAddress Address => address;

    /// <summary>
    /// Holds the user's static ClientIp, or leases a dynamic one, for the session (see <see cref="IClientIpLeases"/> for
    /// the rule): the lease, or null and the one-line reason the login is refused.
    /// </summary>
    /// <param name="preferred">The address a resumed session had: leased again when free (<see cref="IClientIpLeases.LeaseAsync"/>).</param>
    public static async Task<(AddressLease? Lease, string? Refusal)> AcquireAsync(IClientIpLeases pool, Instance instance, ClientUser user, string sessionId,
        IPAddress? preferred, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(instance);
        ArgumentNullException.ThrowIfNull(user);
        if (user.IsStaticIp)
        {
            var address = IPAddress.Parse(user.ClientIp);
            return await pool.TryHoldStaticAsync(instance, user.UserName, address, sessionId, cancellationToken)
                ? (new AddressLease(pool, instance.SmartAGId, address, sessionId), null)
                : (null, $"the user's static ClientIp {address} is held by another online client; log in again once it has left");
        }

        var leased = await pool.LeaseAsync(instance, sessionId, preferred, cancellationToken);
        return leased is not null
            ? (new AddressLease(pool, instance.SmartAGId, leased, sessionId), null)
            : (null, pool.Slice.IsWhole ? "the instance has no free client address" : $"the instance has no free client address in this node's slice {pool.Slice}");
    }

    /// <summary>Gives the address back to the pool; later calls do nothing. Does not wait for I/O.</summary>
    public void Release()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            pool.Release(smartAgId, address, sessionId);
        }
    }
}
