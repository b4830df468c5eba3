using System.Net;

namespace OpenSag.Gateway.Tun;

/// <summary>
/// Configures an interface with iproute2's <c>ip</c> (the first of /usr/sbin, /sbin, /usr/bin, /bin that has it), in
/// the current network namespace. Synchronous: each call runs one or two short processes (a few milliseconds), and
/// they happen at start, on login and when CidrBlocks change, never per packet. Each waits at most 10 s for ip.
/// </summary>
public static class LinkConfig
{
    /// <summary>Sets the MTU and brings the interface up (<c>ip link set dev NAME mtu MTU up</c>).</summary>
    /// <exception cref="LinkConfigException">ip failed or is missing; the message has its stderr in one line.</exception>
    public static void SetUp(string name, int mtu) => throw new NotImplementedException();

    /// <summary>Adds an address (<c>ip addr add A/P dev NAME</c>); the kernel adds the on-link route to its network.</summary>
    /// <exception cref="LinkConfigException">ip failed (also when the address is already there).</exception>
    public static void AddAddress(string name, IPAddress address, int prefixLength) => throw new NotImplementedException();

    /// <summary>
    /// Makes <paramref name="address"/> the interface's only IPv4 address (flush, then add): for a resumed session
    /// whose ClientIp changed. Routes through the interface with no address-dependent source survive the flush.
    /// </summary>
    /// <exception cref="LinkConfigException">ip failed.</exception>
    public static void ReplaceAddress(string name, IPAddress address, int prefixLength) => throw new NotImplementedException();

    /// <summary>Routes <paramref name="network"/> through the interface, replacing a route to it elsewhere (<c>ip route replace</c>, main table).</summary>
    /// <exception cref="LinkConfigException">ip failed.</exception>
    public static void ReplaceRoute(IPNetwork network, string name) => throw new NotImplementedException();

    /// <summary>Deletes the route to <paramref name="network"/> through the interface; a route or interface already gone is fine.</summary>
    /// <exception cref="LinkConfigException">ip failed otherwise.</exception>
    public static void DeleteRoute(IPNetwork network, string name) => throw new NotImplementedException();

    /// <summary>
    /// The IPv4 routes of the main table through the interface (<c>ip -j -4 route show dev NAME</c>), including the
    /// kernel's on-link route of an address; empty when the interface has none.
    /// </summary>
    /// <exception cref="LinkConfigException">ip failed (e.g. no such interface).</exception>
    public static IReadOnlyList<IPNetwork> RoutesVia(string name) => throw new NotImplementedException();
}
