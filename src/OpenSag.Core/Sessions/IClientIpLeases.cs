using System.Net;
using OpenSag.Domain;

namespace OpenSag.Sessions;

/// <summary>
/// Dynamic client addresses from an instance's CIDR block, for sessions of users without a static ClientIp. One
/// node keeps the leases in memory; a cluster in a shared table whose key makes a double lease impossible.
/// </summary>
public interface IClientIpLeases
{
    /// <summary>A free address, or null when the block is exhausted.</summary>
    Task<IPAddress?> LeaseAsync(Instance instance, string sessionId, CancellationToken cancellationToken);

    /// <summary>Gives the address back. Runs on a session's close path, so it must not wait for I/O.</summary>
    void Release(string smartAgId, IPAddress address);
}
