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
    /// Packets the kernel queues for our reading thread in a TUN interface's transmit ring before it drops them
    /// (tun_net_xmit: the ring is txqueuelen long, and a full ring drops; there is no backpressure to TCP, which then
    /// halves its window). The kernel's default, 500, is 5.7 ms at 1 Gbit/s of 1,420-byte packets: less than one
    /// scheduler slice on a busy machine, and a 1-stream upload through the client's TUN dropped there in every run
    /// (2,915 of 2,915 retransmissions). 4,096 is 46 ms at 1 Gbit/s, under 6 MiB of queued packets at worst.
    /// </summary>
    public const int TransmitQueueLength = 4096;

    /// <summary>
    /// Sets the MTU and the transmit queue (<see cref="TransmitQueueLength"/>) and brings the interface up
    /// (<c>ip link set dev NAME mtu MTU txqueuelen N up</c>). Before that it turns off the
    /// interface's IPv6 link-local address (<c>addrgenmode none</c>, where the kernel has IPv6), so the kernel does not
    /// send router and multicast-listener solicitations into a tunnel that carries IPv4 only.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="mtu"/> is below 68, IPv4's minimum (RFC 791).</exception>
    /// <exception cref="LinkConfigException">ip failed or is missing; the message has its stderr in one line.</exception>
    public static void SetUp(string name, int mtu)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(mtu, 68);
        TryIp("link", "set", "dev", name, "addrgenmode", "none");
        Ip("link", "set", "dev", name, "mtu", mtu.ToString(CultureInfo.InvariantCulture),
            "txqueuelen", TransmitQueueLength.ToString(CultureInfo.InvariantCulture), "up");
    }

    /// <summary>Adds an address (<c>ip addr add A/P dev NAME</c>); the kernel adds the on-link route to its network.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The prefix length is not 0–32 (IPv4) or 0–128 (IPv6).</exception>
    /// <exception cref="LinkConfigException">ip failed (also when the address is already there).</exception>
    public static void AddAddress(string name, IPAddress address, int prefixLength) =>
        Ip("addr", "add", Cidr(address, prefixLength), "dev", name);

    /// <summary>
    /// Makes <paramref name="address"/>/<paramref name="prefixLength"/> the interface's only address of its family:
    /// for a resumed session whose ClientIp changed. Routes through the interface (<see cref="ReplaceRoute"/>) stay
    /// throughout, so no packet meant for the tunnel takes another route meanwhile. That rules out "flush, then add":
    /// the kernel deletes every route through an interface when its last IPv4 address goes (fib_disable_ip), and
    /// deleting a primary address deletes its secondaries (unless promote_secondaries, a sysctl we do not change). So
    /// the new address first comes as a /32 (a primary of its own, whatever the old prefix), the old ones go, the new
    /// one gets its prefix, and the /32 goes.
    /// </summary>
    /// <exception cref="LinkConfigException">ip failed.</exception>
    public static void ReplaceAddress(string name, IPAddress address, int prefixLength)
    {
        var target = Cidr(address, prefixLength);
        var host = Cidr(address, address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128);
        var current = AddressesOf(name, address.AddressFamily);
        if (current.Count == 1 && current[0] == target)
        {
            return;
        }

        Ip("addr", "replace", host, "dev", name);
        foreach (var old in current.Where(old => old != host && old != target))
        {
            // A secondary of an old primary went with it: "Cannot assign requested address" is fine.
            var result = TryIp("addr", "del", old, "dev", name);
            if (result.ExitCode != 0 && !result.Error.Contains("Cannot assign requested address", StringComparison.Ordinal))
            {
                throw Failure(["addr", "del", old, "dev", name], result);
            }
        }

        if (target != host)
        {
            Ip("addr", "replace", target, "dev", name);
            Ip("addr", "del", host, "dev", name);
        }
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

    /// <summary>The interface's addresses of one family as "A/P", from <c>ip -j addr show dev NAME</c>.</summary>
    private static List<string> AddressesOf(string name, AddressFamily family)
    {
        var output = Ip(family == AddressFamily.InterNetwork ? "-4" : "-6", "-j", "addr", "show", "dev", name);
        try
        {
            using var json = JsonDocument.Parse(string.IsNullOrWhiteSpace(output) ? "[]" : output);
            return
            [
                .. json.RootElement.EnumerateArray()
                    .SelectMany(link => link.TryGetProperty("addr_info", out var info) ? info.EnumerateArray() : (IEnumerable<JsonElement>)[])
                    .Select(info => Cidr(IPAddress.Parse(info.GetProperty("local").GetString()!), info.GetProperty("prefixlen").GetInt32())),
            ];
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or KeyNotFoundException)
        {
            throw new LinkConfigException($"ip -j addr show dev {name}: unreadable output ({e.Message})", e);
        }
    }

    private static string Cidr(IPAddress address, int prefixLength)
    {
        var bits = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        ArgumentOutOfRangeException.ThrowIfNegative(prefixLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(prefixLength, bits);
        return address + "/" + prefixLength.ToString(CultureInfo.InvariantCulture);
    }

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

    /// <summary>
    /// One line for a failed <c>ip</c> run. Refused for want of privilege, it also says what to do: the TUN was made
    /// with this process's CAP_NET_ADMIN, but ip is a child process and gets the capability only when it is ambient (or
    /// it runs as root), so a capability set on the opensag file (setcap) made the interface and then failed here.
    /// </summary>
    internal static LinkConfigException Failure(string[] arguments, ToolProcess.Result result)
    {
        var why = result.Error.Length > 0 ? result.Error : "exit code " + result.ExitCode.ToString(CultureInfo.InvariantCulture);
        var hint = why.Contains("Operation not permitted", StringComparison.Ordinal)
            ? "; ip, which opensag runs for this, needs CAP_NET_ADMIN too: run as root, or give the capability as an ambient one "
                + "(setpriv --inh-caps=+net_admin --ambient-caps=+net_admin …, or systemd's AmbientCapabilities=CAP_NET_ADMIN); setcap on the opensag file does not reach ip"
            : "";
        return new($"ip {string.Join(' ', arguments)} failed: {why}{hint}");
    }
}
