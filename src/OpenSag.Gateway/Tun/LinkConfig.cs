using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace OpenSag.Gateway.Tun;

/// <summary>
/// Configures an interface with iproute2's <c>ip</c> (the first of /usr/sbin, /sbin, /usr/bin, /bin that has it), in
/// the calling thread's network namespace. Synchronous: each call runs one or two short processes (a few
/// milliseconds), and they happen at start, on login and when CidrBlocks change, never per packet. Each waits at most
/// 10 s for ip.
/// </summary>
public static class LinkConfig
{
    private static readonly string? IpProgram = ToolProcess.Find("/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip");

    /// <summary>
    /// Sets the MTU and brings the interface up (<c>ip link set dev NAME mtu MTU up</c>). Before that it turns off the
    /// interface's IPv6 link-local address (<c>addrgenmode none</c>, where the kernel has IPv6), so the kernel does not
    /// send router and multicast-listener solicitations into a tunnel that carries IPv4 only.
    /// </summary>
    /// <exception cref="LinkConfigException">ip failed or is missing; the message has its stderr in one line.</exception>
    public static void SetUp(string name, int mtu)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(mtu, 68);
        TryIp("link", "set", "dev", name, "addrgenmode", "none");
        Ip("link", "set", "dev", name, "mtu", mtu.ToString(CultureInfo.InvariantCulture), "up");
    }

    /// <summary>Adds an address (<c>ip addr add A/P dev NAME</c>); the kernel adds the on-link route to its network.</summary>
    /// <exception cref="LinkConfigException">ip failed (also when the address is already there).</exception>
    public static void AddAddress(string name, IPAddress address, int prefixLength) =>
        Ip("addr", "add", Cidr(address, prefixLength), "dev", name);

    /// <summary>
    /// Makes <paramref name="address"/> the interface's only address of its family (flush, then add): for a resumed
    /// session whose ClientIp changed. Flushing the old address also drops the routes that used it as their source;
    /// routes added with <see cref="ReplaceRoute"/> (no source) stay.
    /// </summary>
    /// <exception cref="LinkConfigException">ip failed.</exception>
    public static void ReplaceAddress(string name, IPAddress address, int prefixLength)
    {
        Ip(Family(address), "addr", "flush", "dev", name);
        AddAddress(name, address, prefixLength);
    }

    /// <summary>Routes <paramref name="network"/> through the interface, replacing a route to it elsewhere (<c>ip route replace</c>, main table).</summary>
    /// <exception cref="LinkConfigException">ip failed.</exception>
    public static void ReplaceRoute(IPNetwork network, string name) =>
        Ip("route", "replace", network.ToString(), "dev", name);

    /// <summary>Deletes the route to <paramref name="network"/> through the interface; a route or interface already gone is fine.</summary>
    /// <exception cref="LinkConfigException">ip failed otherwise.</exception>
    public static void DeleteRoute(IPNetwork network, string name)
    {
        var result = TryIp("route", "del", network.ToString(), "dev", name);
        // "RTNETLINK answers: No such process" (no such route), "Cannot find device" (interface gone).
        if (result.ExitCode != 0 && !result.Error.Contains("No such process", StringComparison.Ordinal) && !result.Error.Contains("Cannot find device", StringComparison.Ordinal))
        {
            throw Failure(["route", "del", network.ToString(), "dev", name], result);
        }
    }

    /// <summary>
    /// The IPv4 routes of the main table through the interface (<c>ip -j -4 route show dev NAME</c>), including the
    /// kernel's on-link route of an address; empty when the interface has none.
    /// </summary>
    /// <exception cref="LinkConfigException">ip failed (e.g. no such interface) or said something unreadable.</exception>
    public static IReadOnlyList<IPNetwork> RoutesVia(string name)
    {
        var output = Ip("-j", "-4", "route", "show", "dev", name);
        var routes = new List<IPNetwork>();
        try
        {
            using var json = JsonDocument.Parse(string.IsNullOrWhiteSpace(output) ? "[]" : output);
            foreach (var route in json.RootElement.EnumerateArray())
            {
                var destination = route.GetProperty("dst").GetString();
                routes.Add(destination switch
                {
                    "default" => new IPNetwork(IPAddress.Any, 0),
                    not null when destination.Contains('/', StringComparison.Ordinal) => IPNetwork.Parse(destination),
                    not null => new IPNetwork(IPAddress.Parse(destination), 32),
                    _ => throw new FormatException("a route without dst"),
                });
            }
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or KeyNotFoundException)
        {
            throw new LinkConfigException($"ip -j -4 route show dev {name}: unreadable output ({e.Message})", e);
        }

        return routes;
    }

    private static string Cidr(IPAddress address, int prefixLength)
    {
        var bits = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        ArgumentOutOfRangeException.ThrowIfNegative(prefixLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(prefixLength, bits);
        return address + "/" + prefixLength.ToString(CultureInfo.InvariantCulture);
    }

    private static string Family(IPAddress address) => address.AddressFamily == AddressFamily.InterNetwork ? "-4" : "-6";

    private static string Ip(params string[] arguments)
    {
        var result = TryIp(arguments);
        return result.ExitCode == 0 ? result.Output : throw Failure(arguments, result);
    }

    private static ToolProcess.Result TryIp(params string[] arguments)
    {
        if (IpProgram is null)
        {
            throw new LinkConfigException("iproute2's ip is not installed (looked in /usr/sbin, /sbin, /usr/bin, /bin)");
        }

        try
        {
            return ToolProcess.Run(IpProgram, arguments);
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            throw new LinkConfigException($"ip {string.Join(' ', arguments)}: {e.Message}", e);
        }
    }

    private static LinkConfigException Failure(string[] arguments, ToolProcess.Result result) =>
        new($"ip {string.Join(' ', arguments)} failed: {(result.Error.Length > 0 ? result.Error : "exit code " + result.ExitCode.ToString(CultureInfo.InvariantCulture))}");
}
