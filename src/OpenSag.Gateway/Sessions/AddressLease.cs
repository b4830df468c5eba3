using System.Net;
using OpenSag.Sessions;

namespace OpenSag.Gateway.Sessions;

/// <summary>
/// A dynamic ClientIp leased from an instance's block for one session, handed to the <see cref="GatewaySession"/> as it
/// is created and given back exactly once by its close path, however admission ended.
/// </summary>
public sealed class AddressLease(IClientIpLeases pool, string smartAgId, IPAddress address)
{
    private int _released;

    public IPAddress Address => address;

    /// <summary>Gives the address back to the pool; later calls do nothing. Does not wait for I/O.</summary>
    public void Release()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            pool.Release(smartAgId, address);
        }
    }
}
