using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace OpenSag.IntegrationTests.Support;

/// <summary>
/// A Linux network namespace of the test's own (<c>ip netns</c>), for addresses that are not loopback without touching
/// the host's interfaces: made with a unique name, its loopback up; removed on dispose (after the processes started in
/// it have been stopped). Needs root and iproute2 (<see cref="SkipReason"/>). Tests use no address outside
/// 127.0.0.0/8 and, inside their namespaces, the benchmarking range 198.18.0.0/15 (RFC 2544), which no real network
/// routes.
/// </summary>
public sealed partial class NetworkNamespace : IAsyncDisposable
{
    private static readonly string? IpProgram = new[] { "/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip" }.FirstOrDefault(File.Exists);

    /// <summary>setns(2)'s nstype for a network namespace (linux/sched.h).</summary>
    private const int CloneNewNet = 0x40000000;

    private int _interfaces;

    private NetworkNamespace(string name) => Name = name;

    /// <summary>The namespace's name under /run/netns, e.g. <c>osag-cert-1f2e3d4c</c>.</summary>
    public string Name { get; }

    /// <summary>
    /// Why namespace tests are skipped here, or null to run them: without root or <c>ip</c> they skip, except under CI
    /// (env <c>CI</c> set), where they run and fail in <see cref="CreateAsync"/>, since CI must not pass untested.
    /// </summary>
    public static string? SkipReason =>
        Available || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"))
            ? null
            : "needs root and iproute2's ip to make a network namespace (ip netns add)";

    private static bool Available => Environment.IsPrivilegedProcess && IpProgram is not null;

    /// <summary>Makes a namespace named <c>osag-<paramref name="purpose"/>-RANDOM</c> with its loopback up.</summary>
    /// <exception cref="InvalidOperationException">Not root, no <c>ip</c>, or an <c>ip</c> command failed (its stderr).</exception>
    public static async Task<NetworkNamespace> CreateAsync(string purpose)
    {
        if (!Available)
        {
            throw new InvalidOperationException("CI is set, so the network-namespace tests must run, but they need root and iproute2's ip (ip netns add).");
        }

        var created = new NetworkNamespace($"osag-{purpose}-{RandomNumberGenerator.GetHexString(8, lowercase: true)}");
        await RunIpAsync("netns", "add", created.Name);
        try
        {
            await created.IpAsync("link", "set", "lo", "up");
            return created;
        }
        catch
        {
            await created.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Gives the namespace <paramref name="cidr"/> (e.g. <c>198.18.7.1/24</c>) on an interface of its own, up: one end
    /// of a veth pair whose both ends stay inside. Not a <c>dummy</c> interface: that module is missing from some
    /// kernels (this machine's among them), veth is not.
    /// </summary>
    public async Task AddAddressAsync(string cidr)
    {
        var index = Interlocked.Increment(ref _interfaces).ToString(CultureInfo.InvariantCulture);
        string end = "v" + index + "a", peer = "v" + index + "b";
        await IpAsync("link", "add", end, "type", "veth", "peer", "name", peer);
        await IpAsync("addr", "add", cidr, "dev", end);
        await IpAsync("link", "set", end, "up");
        await IpAsync("link", "set", peer, "up");
    }

    /// <summary>
    /// Joins this namespace and <paramref name="peer"/> with a veth pair, up at both ends: this end gets
    /// <paramref name="cidr"/> (e.g. <c>198.18.20.1/24</c>), the peer's end <paramref name="peerCidr"/>. Returns the two
    /// interface names (each unique within its own namespace).
    /// </summary>
    public async Task<(string End, string PeerEnd)> LinkAsync(NetworkNamespace peer, string cidr, string peerCidr)
    {
        ArgumentNullException.ThrowIfNull(peer);
        var end = "l" + Interlocked.Increment(ref _interfaces).ToString(CultureInfo.InvariantCulture);
        var peerEnd = "l" + Interlocked.Increment(ref peer._interfaces).ToString(CultureInfo.InvariantCulture);
        await IpAsync("link", "add", end, "type", "veth", "peer", "name", peerEnd, "netns", peer.Name);
        await IpAsync("addr", "add", cidr, "dev", end);
        await peer.IpAsync("addr", "add", peerCidr, "dev", peerEnd);
        await IpAsync("link", "set", end, "up");
        await peer.IpAsync("link", "set", peerEnd, "up");
        return (end, peerEnd);
    }

    /// <summary>
    /// Writes <paramref name="value"/> to <c>/proc/sys/<paramref name="key"/></c> as seen from inside the namespace (e.g.
    /// <c>net/ipv4/ip_forward</c>): the net.* sysctls are the namespace's own, so the host's stay as they are.
    /// </summary>
    /// <exception cref="InvalidOperationException">The write failed; the message has its stderr.</exception>
    public async Task SetSysctlAsync(string key, string value)
    {
        var result = await RunAsync(new Dictionary<string, string?>(), "/bin/sh", "-c", "echo \"$1\" > \"/proc/sys/$0\"", key, value);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"setting {key} = {value} in {Name} failed: {result}");
        }
    }

    /// <summary>
    /// A socket that lives in this namespace: its binds, routes and addresses are the namespace's, while this process
    /// (and every other socket of it) stays where it is. Made on a thread of its own that enters the namespace with
    /// setns(2) (which moves only the calling thread) and ends right after, so no pooled thread is ever left inside.
    /// </summary>
    /// <exception cref="InvalidOperationException">setns failed (not root, or the namespace is gone).</exception>
    public Socket CreateSocket(AddressFamily family, SocketType type, ProtocolType protocol)
    {
        Socket? created = null;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var home = File.OpenHandle("/proc/thread-self/ns/net");
                using var target = File.OpenHandle(Path.Combine("/run/netns", Name));
                Enter(target, Name);
                try
                {
                    created = new Socket(family, type, protocol);
                }
                finally
                {
                    Enter(home, "the test's own namespace");
                }
            }
            catch (Exception e) when (e is InvalidOperationException or IOException or UnauthorizedAccessException or SocketException)
            {
                failure = e;
            }
        })
        {
            IsBackground = true,
            Name = "setns " + Name,
        };
        thread.Start();
        thread.Join();
        return created ?? throw new InvalidOperationException($"could not make a socket in {Name}: {failure?.Message}", failure);
    }

    private static void Enter(Microsoft.Win32.SafeHandles.SafeFileHandle handle, string what)
    {
        if (setns((int)handle.DangerousGetHandle(), CloneNewNet) != 0)
        {
            throw new InvalidOperationException($"setns into {what} failed: errno {Marshal.GetLastPInvokeError().ToString(CultureInfo.InvariantCulture)}");
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setns(int fd, int nstype);

    /// <summary>Runs <c>ip -n NAME <paramref name="arguments"/></c>.</summary>
    /// <exception cref="InvalidOperationException">It failed; the message has its stderr.</exception>
    public Task IpAsync(params string[] arguments) => RunIpAsync(["-n", Name, .. arguments]);

    /// <summary>
    /// Makes <paramref name="start"/> run its program inside the namespace: <c>ip netns exec NAME PROGRAM ARGS</c>. ip
    /// execs the program, so the process id is the program's own and signals sent to it reach it.
    /// </summary>
    public void Enter(ProcessStartInfo start)
    {
        ArgumentNullException.ThrowIfNull(start);
        var program = start.FileName;
        start.FileName = IpProgram ?? "ip";
        string[] prefix = ["netns", "exec", Name, program];
        for (var i = 0; i < prefix.Length; i++)
        {
            start.ArgumentList.Insert(i, prefix[i]);
        }
    }

    /// <summary>Runs <paramref name="program"/> inside the namespace to its end, as <see cref="OpensagCommand.RunProgramAsync"/> does.</summary>
    public Task<OpensagCommand.Result> RunAsync(IReadOnlyDictionary<string, string?> environment, string program, params string[] arguments) =>
        OpensagCommand.RunProgramAsync(IpProgram ?? "ip", ["netns", "exec", Name, program, .. arguments], environment, workingDirectory: null);

    /// <summary>Deletes the namespace and its interfaces. Stop what runs in it first: a live process keeps it alive.</summary>
    public async ValueTask DisposeAsync() => await RunIpAsync("netns", "delete", Name);

    public override string ToString() => "network namespace " + Name;

    private static async Task RunIpAsync(params string[] arguments)
    {
        var result = await OpensagCommand.RunProgramAsync(IpProgram ?? "ip", arguments, new Dictionary<string, string?>(), workingDirectory: null);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"ip {string.Join(' ', arguments)} failed: {result}");
        }
    }
}

/// <summary>A test that needs a <see cref="NetworkNamespace"/>: skipped (visibly) where it cannot run, failing under CI.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class NetworkNamespaceFactAttribute : FactAttribute
{
    public NetworkNamespaceFactAttribute() => Skip = NetworkNamespace.SkipReason!;
}
