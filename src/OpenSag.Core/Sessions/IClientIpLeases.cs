using System.Net;
using OpenSag.Domain;

namespace OpenSag.Sessions;

/// <summary>
/// The ClientIps held by live sessions of each instance: one node keeps them in memory; a cluster in a shared table
/// whose key (instance, address) makes a double hold impossible across nodes. Every session holds its address here,
/// dynamic or static, and that is the rule: <b>no two users' live sessions of an instance ever hold one address</b>.
/// <list type="bullet">
/// <item>A dynamic lease skips every address held and every static ClientIp stored for the instance, and is given up
/// again if a static ClientIp for it was stored meanwhile (it re-reads them after taking it), so a dynamic lease never
/// outlives a race with the admin API.</item>
/// <item>A static ClientIp is held for its user: the user's sessions share it (a client resuming while its old session
/// is not yet timed out), and a login is refused while a dynamic lease of another session holds it, which can happen
/// only when the static address was written while that lease was being taken.</item>
/// <item>The admin API refuses to store a static ClientIp that a session holds
/// (<see cref="IsHeldAsync"/>), so that refusal is the exception.</item>
/// </list>
/// </summary>
public interface IClientIpLeases
{
    /// <summary>The part of each block this node leases dynamic addresses from.</summary>
    ClientIpSlice Slice { get; }

    /// <summary>
    /// A free address of this node's <see cref="Slice"/> of the block, now held by the session; null when there is none.
    /// <paramref name="preferred"/> (the address a resumed session had) is given when it is free and in the slice, so a
    /// client that resumes after a gateway restart keeps its address and the connections through it, as OpenVPN's
    /// ifconfig-pool-persist keeps them; otherwise the lowest free one.
    /// </summary>
    Task<IPAddress?> LeaseAsync(Instance instance, string sessionId, IPAddress? preferred, CancellationToken cancellationToken);

    /// <summary>
    /// Holds the user's static ClientIp for the session: true when it is free or held for the same user, false when a
    /// dynamic lease of another session holds it (nothing held then).
    /// </summary>
    Task<bool> TryHoldStaticAsync(Instance instance, string userName, IPAddress address, string sessionId, CancellationToken cancellationToken);

    /// <summary>Whether any live session of the instance holds the address.</summary>
    Task<bool> IsHeldAsync(string smartAgId, IPAddress address, CancellationToken cancellationToken);

    /// <summary>The session gives the address back. Runs on a session's close path, so it must not wait for I/O.</summary>
    void Release(string smartAgId, IPAddress address, string sessionId);
}
