using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace OpenSag.Bench;

/// <summary>
/// Three network namespaces joined by two veth pairs, for measuring a path that crosses a real (virtual) link:
/// client ns (198.18.1.2) — gateway ns (198.18.1.1 | 198.18.2.1) — private ns (198.18.2.2). Addresses come only from the
/// benchmarking range 198.18.0.0/15 (RFC 2544); each namespace routes only the other /24 through the gateway, which
/// forwards (its own sysctl) so that the direct path needs no tunnel. Names carry this process's id, so runs side by side
/// do not collide; everything is removed on <see cref="Dispose"/>, on Ctrl-C, SIGTERM and process exit, including every
/// process still running inside the namespaces (they were all started by this run) and the run's <see cref="Work"/> folder.
/// </summary>
internal sealed partial class NetworkLab : IDisposable
{
    public static readonly IPAddress ClientAddress = IPAddress.Parse("198.18.1.2");
    public static readonly IPAddress GatewayOuter = IPAddress.Parse("198.18.1.1");
    public static readonly IPAddress GatewayInner = IPAddress.Parse("198.18.2.1");
    public static readonly IPAddress PrivateAddress = IPAddress.Parse("198.18.2.2");
    public const string PrivateNetwork = "198.18.2.0/24";

    private const string Prefix = "osag-";
    private const int CloneNewNet = 0x40000000;
    private const int OpenReadOnlyCloseOnExec = 0x80000;

    private readonly List<PosixSignalRegistration> _signals = [];
    private readonly Lock _gate = new();
    private bool _disposed;

    private NetworkLab(int id)
    {
        Client = $"{Prefix}{id}-c";
        Gateway = $"{Prefix}{id}-g";
        Private = $"{Prefix}{id}-p";
        Work = Directory.CreateTempSubdirectory("opensag-stream-path-").FullName;
    }

    /// <summary>A private folder (mode 700) for the run's throw-away keys, configuration and data, removed with the lab.</summary>
    public string Work { get; }

    /// <summary>Namespace names (as <c>ip netns</c> knows them).</summary>
    public string Client { get; }

    public string Gateway { get; }

    public string Private { get; }

    /// <summary>Why this machine cannot host the lab (not root, no <c>ip netns</c>), or null if it can.</summary>
    public static string? Unavailable()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "network namespaces need Linux";
        }

        if (!Environment.IsPrivilegedProcess)
        {
            return "network namespaces need root";
        }

        if (Tools.Find("ip") is null)
        {
            return "'ip' (iproute2) not found";
        }

        return Tools.Run(["ip", "netns", "list"], TimeSpan.FromSeconds(10)) is { ExitCode: 0 } ? null : "'ip netns list' failed";
    }

    /// <summary>Creates the namespaces, links, addresses and routes; on any failure removes what it made and throws.</summary>
    public static NetworkLab Create()
    {
        RemoveStale();
        var id = Environment.ProcessId;
        var lab = new NetworkLab(id);
        try
        {
            lab.Register();
            string c = lab.Client, g = lab.Gateway, p = lab.Private;
            // Interface names are at most 15 bytes: "os" + pid (at most 7 digits) + one letter.
            string vc = $"os{id}c", vg = $"os{id}g", vh = $"os{id}h", vp = $"os{id}p";
            foreach (var ns in new[] { c, g, p })
            {
                Ip("netns", "add", ns);
                Ip("-n", ns, "link", "set", "lo", "up");
            }

            Ip("link", "add", "name", vc, "netns", c, "type", "veth", "peer", "name", vg, "netns", g);
            Ip("link", "add", "name", vh, "netns", g, "type", "veth", "peer", "name", vp, "netns", p);
            Ip("-n", c, "addr", "add", $"{ClientAddress}/24", "dev", vc);
            Ip("-n", g, "addr", "add", $"{GatewayOuter}/24", "dev", vg);
            Ip("-n", g, "addr", "add", $"{GatewayInner}/24", "dev", vh);
            Ip("-n", p, "addr", "add", $"{PrivateAddress}/24", "dev", vp);
            foreach (var (ns, dev) in new[] { (c, vc), (g, vg), (g, vh), (p, vp) })
            {
                Ip("-n", ns, "link", "set", dev, "up");
            }

            // Only the other side's /24, never a default route: nothing in the lab can reach any other address.
            Ip("-n", c, "route", "add", PrivateNetwork, "via", GatewayOuter.ToString());
            Ip("-n", p, "route", "add", "198.18.1.0/24", "via", GatewayInner.ToString());
            // The sysctl is per namespace: this turns forwarding on in the gateway namespace only.
            Check(Tools.Run(["ip", "netns", "exec", g, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1"], TimeSpan.FromSeconds(10)));
            return lab;
        }
        catch
        {
            lab.Dispose();
            throw;
        }
    }

    /// <summary>The command prefix that runs a program inside <paramref name="ns"/> (<c>ip netns exec</c> execs it, so
    /// the started process id is the program's own).</summary>
    public static string[] In(string ns) => ["ip", "netns", "exec", ns];

    /// <summary>
    /// A TCP socket that lives in <paramref name="ns"/>: created on a short-lived thread that joined the namespace
    /// (<c>setns</c> changes only the calling thread, and a socket keeps the namespace it was created in), so this process
    /// can connect and listen there without a helper process or a namespace switch of its own threads.
    /// </summary>
    public static Socket NewSocket(string ns)
    {
        Socket? socket = null;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                var fd = open("/run/netns/" + ns, OpenReadOnlyCloseOnExec);
                if (fd < 0)
                {
                    throw new IOException($"cannot open namespace {ns}: errno {Marshal.GetLastPInvokeError()}");
                }

                try
                {
                    if (setns(fd, CloneNewNet) != 0)
                    {
                        throw new IOException($"cannot enter namespace {ns}: errno {Marshal.GetLastPInvokeError()}");
                    }
                }
                finally
                {
                    _ = close(fd);
                }

                socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            }
            catch (Exception e) when (e is IOException or SocketException)
            {
                error = e;
            }
        });
        thread.Start();
        thread.Join();
        return socket ?? throw error ?? new IOException("no socket");
    }

    /// <summary>Kills every process left inside the namespaces (all started by this run) and removes them with their links.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            foreach (var ns in new[] { Client, Gateway, Private })
            {
                Remove(ns);
            }

            try
            {
                Directory.Delete(Work, recursive: true);
            }
            catch (IOException)
            {
            }

            foreach (var s in _signals)
            {
                s.Dispose();
            }

            AppDomain.CurrentDomain.ProcessExit -= OnExit;
        }
    }

    private void Register()
    {
        // Without a handler Ctrl-C would end the process before any finally ran; the handler cleans up and lets the
        // signal's default action (exit) proceed.
        _signals.Add(PosixSignalRegistration.Create(PosixSignal.SIGINT, _ => Dispose()));
        _signals.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, _ => Dispose()));
        AppDomain.CurrentDomain.ProcessExit += OnExit;
    }

    private void OnExit(object? sender, EventArgs e) => Dispose();

    private static void Remove(string ns)
    {
        var pids = Tools.Run(["ip", "netns", "pids", ns], TimeSpan.FromSeconds(10));
        if (pids.ExitCode != 0)
        {
            return;
        }

        foreach (var line in pids.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (int.TryParse(line, System.Globalization.CultureInfo.InvariantCulture, out var pid))
            {
                Native.Signal(pid, Native.SigKill);
            }
        }

        // The veth pairs go with the namespace once its last process has gone.
        _ = Tools.Run(["ip", "netns", "del", ns], TimeSpan.FromSeconds(10));
    }

    /// <summary>Removes the names of labs whose bench process no longer exists (killed with SIGKILL, so no cleanup ran).</summary>
    private static void RemoveStale()
    {
        var list = Tools.Run(["ip", "netns", "list"], TimeSpan.FromSeconds(10));
        foreach (Match m in StaleName().Matches(list.Output))
        {
            if (!Directory.Exists("/proc/" + m.Groups[1].Value))
            {
                Console.WriteLine($"   removing namespace {m.Value} left by a run that no longer exists");
                _ = Tools.Run(["ip", "netns", "del", m.Value], TimeSpan.FromSeconds(10));
            }
        }
    }

    /// <summary>Runs <c>ip</c> with <paramref name="args"/>; throws with its error output when it fails.</summary>
    public static void Ip(params string[] args) => Check(Tools.Run(["ip", .. args], TimeSpan.FromSeconds(10)));

    private static void Check(Tools.Ran ran)
    {
        if (ran.ExitCode != 0)
        {
            throw new InvalidOperationException($"'{ran.Command}' failed ({ran.ExitCode}): {ran.Error.Trim()}");
        }
    }

    [GeneratedRegex(@"(?m)^osag-(\d+)-[cgp]\b")]
    private static partial Regex StaleName();

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setns(int fd, int nstype);

    [LibraryImport("libc")]
    private static partial int close(int fd);
}
