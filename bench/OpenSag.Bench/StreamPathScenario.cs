using System.Diagnostics;
using System.Globalization;

namespace OpenSag.Bench;

/// <summary>
/// <c>stream-path</c> (issue 14): one TCP stream from a client namespace through a gateway namespace to a private one over
/// veth links, routed (no tunnel), through stunnel, through OpenSSH's <c>ssh -L</c> and through OpenSAG, in one run. For
/// each: iperf3 throughput of one stream, CPU seconds per GB of each end, the 1-byte round trip added over the routed path
/// (p50/p99) and the time from starting the client side to the first echoed byte. The paths take turns, round after round,
/// so that a load that comes and goes on the machine falls on all of them alike; each ratio to stunnel is taken within a
/// round. Needs root, <c>ip netns</c>, iperf3, stunnel and OpenSSH; without them it is skipped with the reason (under CI,
/// where they are installed, it fails).
/// </summary>
internal static partial class Scenarios
{
    private const int RoundTripWarmup = 50;
    private const string DirectPath = "direct (routed)";
    private const string StunnelPath = "stunnel";
    private const string OpenSshPath = "OpenSSH ssh -L";
    private const string OpenSagPath = "OpenSAG connect --forward";
    private static readonly string[] RequiredTools = ["iperf3", "ssh", "ssh-keygen", "sshd"];
    private static readonly TimeSpan FirstByteBudget = TimeSpan.FromSeconds(20);

    /// <summary>
    /// How much the scenario measures: the full run as the issue measured (10 s iperf runs), the smoke run just enough to
    /// show every path still carries bytes. For quick measurements while changing the relay, the command line may narrow
    /// it: <c>--stream-paths stunnel,opensag</c> (of direct, stunnel, ssh, opensag), <c>--stream-seconds N</c> (1–600) and
    /// <c>--stream-rounds N</c> (1–20).
    /// </summary>
    private sealed record StreamPathScale(int IperfSeconds, int IperfRounds, int RoundTrips, int RoundTripRounds, TimeSpan RoundTripBudget, int Starts, string[] Paths)
    {
        public static readonly string[] AllPaths = ["direct", "stunnel", "ssh", "opensag"];

        public static StreamPathScale Of(Scale scale, string[] args)
        {
            var size = scale.Smoke
                ? new StreamPathScale(1, 1, 200, 1, TimeSpan.FromSeconds(5), 2, AllPaths)
                : new StreamPathScale(10, 3, 5_000, 5, TimeSpan.FromSeconds(20), 5, AllPaths);
            for (var i = 0; i + 1 < args.Length; i++)
            {
                size = args[i] switch
                {
                    "--stream-seconds" => size with { IperfSeconds = ScenarioArguments.Whole(args[i], args[i + 1], 1, 600) },
                    "--stream-rounds" => size with { IperfRounds = ScenarioArguments.Whole(args[i], args[i + 1], 1, 20) },
                    "--stream-paths" => size with { Paths = ScenarioArguments.Paths(args[i], args[i + 1], AllPaths) },
                    _ => size,
                };
            }

            return size;
        }

    }

    /// <summary>What one path measured: each round's iperf3 run, its round trips (µs, sorted) and each start's first byte.</summary>
    private sealed class PathFigures(string name, StreamPath path)
    {
        public string Name { get; } = name;

        public StreamPath Path { get; } = path;

        public LabProcess? Client { get; set; }

        public string? Failure { get; set; }

        public List<StreamPathProbes.IperfRun> Streams { get; } = [];

        public List<double> RoundTrips { get; } = [];

        public List<(double Seconds, int Retries)> FirstBytes { get; } = [];
    }

    public static async Task<List<Result>> StreamPathAsync(Scale scale)
    {
        var missing = StreamPathMissing();
        if (missing is not null)
        {
            if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI")))
            {
                throw new InvalidOperationException("stream-path cannot run under CI: " + missing);
            }

            Console.WriteLine("   stream-path skipped: " + missing);
            return [new("stream-path", "skipped: " + missing, "-", null, "-", null)];
        }

        var size = StreamPathScale.Of(scale, Environment.GetCommandLineArgs());
        using var lab = NetworkLab.Create();
        var work = lab.Work;
        var paths = new List<PathFigures>();
        var failed = new List<string>();
        try
        {
            var (certificate, key) = StreamPaths.WriteCertificate(work);
            using var echo = new EchoServer(lab.Private, new(NetworkLab.PrivateAddress, StreamPaths.PrivateEchoPort));
            await using var iperfServer = LabProcess.Start("iperf3 -s",
                [.. NetworkLab.In(lab.Private), "iperf3", "-s", "-B", NetworkLab.PrivateAddress.ToString(), "-p", StreamPaths.PrivateIperfPort.ToString(CultureInfo.InvariantCulture)]);
            await StreamPathProbes.WaitListeningAsync(iperfServer, StreamPaths.PrivateIperfPort, TimeSpan.FromSeconds(30));

            (string Key, string Name, Func<Task<StreamPath>> Setup)[] setups =
            [
                ("direct", DirectPath, () => Task.FromResult(StreamPaths.Direct())),
                ("stunnel", StunnelPath, () => StreamPaths.StunnelAsync(lab, 1, work, certificate, key)),
                ("ssh", OpenSshPath, () => StreamPaths.OpenSshAsync(lab, 2, work)),
                ("opensag", OpenSagPath, () => StreamPaths.OpenSagAsync(lab, 3, work, certificate, key)),
            ];
            foreach (var (_, name, setup) in setups.Where(s => size.Paths.Contains(s.Key)))
            {
                await GuardAsync(name, failed, async () => paths.Add(new(name, await setup())));
            }

            var tunnels = paths.Where(p => p.Path.StartClient is not null).ToList();
            Console.WriteLine($"   first byte: {size.Starts} starts of each client side");
            for (var i = 0; i < size.Starts; i++)
            {
                foreach (var p in Working(tunnels))
                {
                    await GuardAsync(p, async () => p.FirstBytes.Add(await StreamPathProbes.FirstByteAsync(lab.Client, p.Path.Echo, p.Path.StartClient!, FirstByteBudget)));
                }
            }

            // The client sides that carry the measured traffic, all running from here on: started once more, used once each echoes.
            foreach (var p in Working(tunnels))
            {
                await GuardAsync(p, async () =>
                {
                    p.Client = p.Path.StartClient!();
                    await WaitEchoAsync(lab, p, FirstByteBudget);
                });
            }

            Console.WriteLine($"   round trips: {size.RoundTripRounds} rounds");
            for (var round = 0; round < size.RoundTripRounds; round++)
            {
                foreach (var p in Working(paths))
                {
                    await GuardAsync(p, async () => p.RoundTrips.AddRange(await StreamPathProbes.RoundTripsAsync(
                        lab.Client, p.Path.Echo, RoundTripWarmup, size.RoundTrips / size.RoundTripRounds, size.RoundTripBudget / size.RoundTripRounds)));
                }
            }

            for (var round = 0; round < size.IperfRounds; round++)
            {
                Console.WriteLine($"   iperf3 round {round + 1} of {size.IperfRounds}: {size.IperfSeconds} s per path");
                foreach (var p in Working(paths))
                {
                    int[] clientPids = p.Client is null ? [] : [p.Client.Pid];
                    await GuardAsync(p, async () => p.Streams.Add(await StreamPathProbes.IperfAsync(lab.Client, p.Path.Iperf, size.IperfSeconds, clientPids, p.Path.GatewayPids)));
                }
            }

            failed.AddRange(paths.Where(p => p.Failure is not null).Select(p => $"{p.Name}: {p.Failure}"));
            foreach (var p in paths)
            {
                p.RoundTrips.Sort();
            }

            var measured = paths.Where(p => p.Failure is null).ToList();
            PrintStreamPathTable(measured, failed, size);
            return failed.Count == 0
                ? StreamPathResults(measured, scale)
                : throw new InvalidOperationException("stream-path: " + string.Join("; ", failed));
        }
        finally
        {
            foreach (var p in paths)
            {
                if (p.Client is not null)
                {
                    await p.Client.DisposeAsync();
                }

                await p.Path.DisposeAsync();
            }
        }
    }

    private static List<PathFigures> Working(List<PathFigures> paths) => paths.Where(p => p.Failure is null).ToList();

    private static Task GuardAsync(PathFigures path, Func<Task> step) => GuardAsync(path.Name, null, step, path);

    /// <summary>Runs one path's step; a failure is printed and marks the path (or, before it exists, is listed), so one
    /// broken path does not hide the others' figures. The scenario still fails at the end.</summary>
    private static async Task GuardAsync(string name, List<string>? failed, Func<Task> step, PathFigures? path = null)
    {
        try
        {
            await step();
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or IOException or System.Net.Sockets.SocketException
            or HttpRequestException or System.Text.Json.JsonException or KeyNotFoundException)
        {
            Console.Error.WriteLine($"stream-path {name} failed: {e}");
            var reason = $"{e.GetType().Name}: {e.Message.Split('\n')[0]}";
            if (path is not null)
            {
                // What the client side said last (e.g. "tunnel … failed") is usually the reason.
                path.Failure = path.Client is null ? reason : $"{reason}; {path.Client.Tail()}";
            }
            else
            {
                failed?.Add($"{name}: {reason}");
            }
        }
    }

    private static async Task WaitEchoAsync(NetworkLab lab, PathFigures p, TimeSpan budget)
    {
        var ready = Stopwatch.StartNew();
        while (!await StreamPathProbes.EchoesAsync(lab.Client, p.Path.Echo))
        {
            if (p.Client!.HasExited || ready.Elapsed > budget)
            {
                throw new InvalidOperationException("no echo through the client side: " + p.Client.Tail());
            }

            await Task.Delay(TimeSpan.FromMilliseconds(5));
        }
    }

    private static List<Result> StreamPathResults(List<PathFigures> paths, Scale scale)
    {
        var direct = paths.SingleOrDefault(p => p.Name == DirectPath);
        var stunnel = paths.SingleOrDefault(p => p.Name == StunnelPath);
        var results = new List<Result>();
        foreach (var p in paths)
        {
            double? ratio = stunnel is null ? null : RatioToStunnel(p, stunnel);
            var figure = $"{MbitText(p)} Mbit/s; CPU s/GB client {PerGbText(p, s => s.ClientCpuSeconds)}, gateway {PerGbText(p, s => s.GatewayCpuSeconds)}; "
                + $"RTT {(direct is null || p == direct ? "p50/p99 " + RoundTripText(p, null) : "added " + RoundTripText(p, direct))} µs; first byte {FirstByteText(p)} s";
            var name = $"stream-path {p.Name}";
            var ceiling = stunnel is null ? "-" : $"{MbitText(stunnel)} Mbit/s stunnel";
            if (p.Name == OpenSagPath && !scale.Smoke && direct is not null && stunnel is not null)
            {
                // Issue 14's bar: the TLS-relay floor, judged against stunnel in the same run.
                var added = Load.Percentile(p.RoundTrips, 0.5) - Load.Percentile(direct.RoundTrips, 0.5);
                var stunnelAdded = Load.Percentile(stunnel.RoundTrips, 0.5) - Load.Percentile(direct.RoundTrips, 0.5);
                var met = ratio >= 0.9
                    && PerGb(p, s => s.ClientCpuSeconds) <= PerGb(stunnel, s => s.ClientCpuSeconds) / 0.9
                    && PerGb(p, s => s.GatewayCpuSeconds) <= PerGb(stunnel, s => s.GatewayCpuSeconds) / 0.9
                    && added <= 2 * stunnelAdded
                    && MedianFirstByte(p) < 0.3;
                results.Add(new(name, figure, ceiling, ratio,
                    ">= 0.9x stunnel Mbit/s, <= 1/0.9x its CPU/GB each end, RTT added p50 <= 2x stunnel's, first byte < 0.3 s", met));
            }
            else
            {
                results.Add(new(name, figure, ceiling, ratio, "-", null));
            }
        }

        return results;
    }

    private static void PrintStreamPathTable(List<PathFigures> paths, List<string> failed, StreamPathScale size)
    {
        var direct = paths.FirstOrDefault(p => p.Name == DirectPath);
        var stunnel = paths.FirstOrDefault(p => p.Name == StunnelPath);
        Console.WriteLine();
        Console.WriteLine($"stream path, client ns -> gateway ns -> private ns over veth. Mbit/s: one TCP stream client -> private, iperf3 -t {size.IperfSeconds}, "
            + $"median of {size.IperfRounds} rounds (min-max); ×stunnel: median of the rounds' ratios; CPU: both ends' processes over all rounds / bytes received; "
            + $"RTT: up to {size.RoundTrips:N0} 1-byte round trips in {size.RoundTripRounds} rounds (count in parentheses){(direct is null ? "" : ", added over the routed path's")}; "
            + $"first byte: median of {size.Starts} client starts (median failed attempts before it in parentheses)");
        Console.WriteLine("| path | Mbit/s | ×stunnel | client CPU s/GB | gateway CPU s/GB | RTT added µs (p50/p99) | first byte s |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        foreach (var p in paths)
        {
            var rtt = p == direct ? $"(itself: {RoundTripText(p, null)})" : direct is null ? $"(in all: {RoundTripText(p, null)})" : RoundTripText(p, direct);
            var ratio = stunnel is null ? "-" : F(RatioToStunnel(p, stunnel), "F2");
            Console.WriteLine($"| {p.Name} | {MbitText(p)} | {ratio} | {PerGbText(p, s => s.ClientCpuSeconds)} | {PerGbText(p, s => s.GatewayCpuSeconds)} | {rtt} | {FirstByteText(p)} |");
        }

        foreach (var failure in failed)
        {
            Console.WriteLine($"| FAILED {failure} | - | - | - | - | - | - |");
        }

        Console.WriteLine();
    }

    private static double Median(IEnumerable<double> values) => Load.Percentile([.. values.Order()], 0.5);

    private static string MbitText(PathFigures p)
    {
        var rates = p.Streams.Select(s => s.BitsPerSecond / 1e6).ToList();
        return rates.Count == 1 ? F(rates[0]) : $"{F(Median(rates))} ({F(rates.Min())}-{F(rates.Max())})";
    }

    // Within a round the paths ran minutes apart at most, so the round's ratio is less exposed to the machine's other load
    // than a ratio of medians.
    private static double RatioToStunnel(PathFigures p, PathFigures stunnel) =>
        Median(p.Streams.Zip(stunnel.Streams, (a, b) => a.BitsPerSecond / b.BitsPerSecond));

    private static double PerGb(PathFigures p, Func<StreamPathProbes.IperfRun, double> cpu) => p.Streams.Sum(cpu) / (p.Streams.Sum(s => s.Bytes) / 1e9);

    // The routed path has no process of its own at either end (the kernel forwards): no figure rather than a zero.
    private static string PerGbText(PathFigures p, Func<StreamPathProbes.IperfRun, double> cpu) => p.Path.StartClient is null ? "-" : F(PerGb(p, cpu), "F2");

    private static string RoundTripText(PathFigures p, PathFigures? direct)
    {
        var p50 = Load.Percentile(p.RoundTrips, 0.5) - (direct is null ? 0 : Load.Percentile(direct.RoundTrips, 0.5));
        var p99 = Load.Percentile(p.RoundTrips, 0.99) - (direct is null ? 0 : Load.Percentile(direct.RoundTrips, 0.99));
        return $"{F(p50)}/{F(p99)} ({p.RoundTrips.Count:N0})";
    }

    private static double MedianFirstByte(PathFigures p) => Median(p.FirstBytes.Select(b => b.Seconds));

    private static string FirstByteText(PathFigures p) => p.FirstBytes.Count == 0
        ? "-"
        : $"{F(MedianFirstByte(p), "F2")} ({F(Median(p.FirstBytes.Select(b => (double)b.Retries)))})";

    /// <summary>Why this machine cannot run the stream-path lab (missing root, ip netns or a tool), or null.</summary>
    private static string? StreamPathMissing()
    {
        if (NetworkLab.Unavailable() is { } reason)
        {
            return reason;
        }

        var tools = RequiredTools.Where(t => Tools.Find(t) is null).ToList();
        if (Tools.Find("stunnel4") is null && Tools.Find("stunnel") is null)
        {
            tools.Add("stunnel");
        }

        return tools.Count == 0 ? null : "not installed: " + string.Join(", ", tools) + " (Debian: apt-get install iperf3 stunnel4 openssh-server openssh-client)";
    }
}
