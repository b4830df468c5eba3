using System.Globalization;
using System.Text.RegularExpressions;

namespace OpenSag.Bench;

/// <summary>
/// <c>layer3</c> (issue 11): IP packets from the lab's client namespace through its gateway namespace to the private one,
/// through OpenSAG's layer 3 (<c>serve --tun</c>, <c>connect --tun</c>, over UDP and over TLS) and through the VPNs users
/// would pick instead (OpenVPN 2.6 UDP, wireguard-go, ocserv + openconnect DTLS and TLS), beside the routed path with no
/// tunnel (the ceiling) and OpenSAG's stream forward (the issue's floor), all in one run: iperf3 with 1 and 8 streams in
/// both directions, ping round trips, CPU seconds per GB of each end. The paths take turns within every round so that a
/// load that comes and goes on the machine falls on all of them alike; each ratio is taken within a round. Needs root,
/// <c>ip netns</c>, iperf3 and ping; each peer needs its Debian package (bench/layer3.sh installs them), and a path whose
/// program is missing is reported as not available. The smoke run measures only the routed path and OpenSAG over UDP.
/// </summary>
internal static partial class Scenarios
{
    private const string Layer3Scenario = "layer3";
    private static readonly string[] Layer3Tools = ["iperf3", "ping"];

    /// <summary>One iperf3 load: parallel streams, and whether the private side sends (<c>-R</c>).</summary>
    private sealed record Layer3Load(int Streams, bool Reverse)
    {
        public string Label => $"{Streams} {(Streams == 1 ? "stream" : "streams")} {(Reverse ? "private→client" : "client→private")}";

        public string Short => $"{Streams}{(Reverse ? "←" : "→")}";
    }

    /// <summary>
    /// How much the scenario measures. Full: every path, 1 and 8 streams both ways, 3 rounds of 10 s iperf3 runs, 200
    /// pings a round. Smoke (CI): the routed path and OpenSAG over UDP (no peer needed), 1 stream one way and 8 the other,
    /// one round of 2 s. The command line may narrow it: <c>--layer3-paths routed,opensag-udp,…</c>,
    /// <c>--layer3-seconds N</c> (1–600), <c>--layer3-rounds N</c> (1–20).
    /// </summary>
    private sealed record Layer3Scale(int Seconds, int Rounds, int Pings, Layer3Load[] Loads, string[] Paths)
    {
        public static readonly string[] AllPaths = ["routed", "openvpn", "wireguard-go", "ocserv-dtls", "ocserv-tls", "opensag-udp", "opensag-tls", "opensag-forward"];

        public static Layer3Scale Of(Scale scale, string[] args)
        {
            var size = scale.Smoke
                ? new Layer3Scale(2, 1, 20, [new(1, false), new(8, true)], ["routed", "opensag-udp"])
                : new Layer3Scale(10, 3, 200, [new(1, false), new(1, true), new(8, false), new(8, true)], AllPaths);
            for (var i = 0; i + 1 < args.Length; i++)
            {
                size = args[i] switch
                {
                    "--layer3-seconds" => size with { Seconds = ScenarioArguments.Whole(args[i], args[i + 1], 1, 600) },
                    "--layer3-rounds" => size with { Rounds = ScenarioArguments.Whole(args[i], args[i + 1], 1, 20) },
                    "--layer3-paths" => size with { Paths = ScenarioArguments.Paths(args[i], args[i + 1], AllPaths) },
                    _ => size,
                };
            }

            return size;
        }

    }

    /// <summary>What one path measured: each load's iperf3 run per round, and its ping round trips (µs).</summary>
    private sealed class Layer3Figures(string key, Layer3Path path)
    {
        public string Key { get; } = key;

        public Layer3Path Path { get; } = path;

        public string Name => Path.Name;

        public string? Failure { get; set; }

        public Dictionary<Layer3Load, List<StreamPathProbes.IperfRun>> Runs { get; } = [];

        public List<double> Pings { get; } = [];
    }

    public static async Task<List<Result>> Layer3Async(Scale scale)
    {
        var missing = NetworkLab.Unavailable() ?? (Layer3Tools.Where(t => Tools.Find(t) is null).ToList() is { Count: > 0 } tools
            ? "not installed: " + string.Join(", ", tools) + " (Debian: apt-get install iperf3 iputils-ping)"
            : null);
        if (missing is not null)
        {
            if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI")))
            {
                throw new InvalidOperationException("layer3 cannot run under CI: " + missing);
            }

            Console.WriteLine("   layer3 skipped: " + missing);
            return [new(Layer3Scenario, "skipped: " + missing, "-", null, "-", null)];
        }

        var size = Layer3Scale.Of(scale, Environment.GetCommandLineArgs());
        using var lab = NetworkLab.Create();
        Layer3Paths.Prepare(lab);
        var pki = Layer3Pki.Write(lab.Work);
        var paths = new List<Layer3Figures>();
        var failed = new List<string>();
        try
        {
            // The forward's readiness check needs the echo server; iperf3 listens on every address of the private side.
            using var echo = new EchoServer(lab.Private, new(NetworkLab.PrivateAddress, StreamPaths.PrivateEchoPort));
            await using var iperfServer = LabProcess.Start("iperf3 -s",
                [.. NetworkLab.In(lab.Private), "iperf3", "-s", "-B", "0.0.0.0", "-p", StreamPaths.PrivateIperfPort.ToString(CultureInfo.InvariantCulture)]);
            await StreamPathProbes.WaitListeningAsync(iperfServer, StreamPaths.PrivateIperfPort, TimeSpan.FromSeconds(30));

            (string Key, Func<Task<Layer3Path>> Setup)[] setups =
            [
                ("routed", () => Task.FromResult(Layer3Paths.Routed())),
                ("openvpn", () => Layer3Paths.OpenVpnAsync(lab, pki)),
                ("wireguard-go", () => Layer3Paths.WireGuardGoAsync(lab)),
                ("ocserv-dtls", () => Layer3Paths.OcservAsync(lab, pki, dtls: true)),
                ("ocserv-tls", () => Layer3Paths.OcservAsync(lab, pki, dtls: false)),
                ("opensag-udp", () => Layer3Paths.OpenSagAsync(lab, pki, udp: true)),
                ("opensag-tls", () => Layer3Paths.OpenSagAsync(lab, pki, udp: false)),
                ("opensag-forward", () => Layer3Paths.OpenSagForwardAsync(lab, pki)),
            ];
            foreach (var (key, setup) in setups.Where(s => size.Paths.Contains(s.Key)))
            {
                Console.WriteLine($"   setting up {key}");
                try
                {
                    paths.Add(new(key, await setup()));
                }
                catch (Exception e) when (IsPathFailure(e))
                {
                    Console.Error.WriteLine($"layer3 {key} failed: {e}");
                    failed.Add($"{key}: {e.GetType().Name}: {e.Message.Split('\n')[0]}");
                }
            }

            for (var round = 0; round < size.Rounds; round++)
            {
                Console.WriteLine($"   round {round + 1} of {size.Rounds}: ping, then iperf3 {size.Seconds} s per path and load");
                foreach (var p in Layer3Working(paths).Where(p => p.Path.Pings))
                {
                    await Layer3GuardAsync(p, async () => p.Pings.AddRange(await PingAsync(lab.Client, p.Path.Iperf.Address, size.Pings)));
                }

                foreach (var load in size.Loads)
                {
                    foreach (var p in Layer3Working(paths))
                    {
                        await Layer3GuardAsync(p, async () =>
                        {
                            var run = await StreamPathProbes.IperfAsync(lab.Client, p.Path.Iperf, size.Seconds, p.Path.ClientPids, p.Path.GatewayPids,
                                load.Streams, load.Reverse);
                            (p.Runs.TryGetValue(load, out var runs) ? runs : p.Runs[load] = []).Add(run);
                        });
                    }
                }
            }

            failed.AddRange(paths.Where(p => p.Failure is not null).Select(p => $"{p.Key}: {p.Failure}"));
            foreach (var p in paths)
            {
                p.Pings.Sort();
            }

            var measured = paths.Where(p => p.Failure is null).ToList();
            PrintLayer3Tables(measured, failed, size);
            return failed.Count == 0
                ? Layer3Results(measured, size, scale)
                : throw new InvalidOperationException("layer3: " + string.Join("; ", failed));
        }
        finally
        {
            foreach (var p in paths)
            {
                await p.Path.DisposeAsync();
            }
        }
    }

    private static List<Layer3Figures> Layer3Working(List<Layer3Figures> paths) => paths.Where(p => p.Failure is null).ToList();

    /// <summary>Runs one measurement of a path; a failure (or a client side that ended meanwhile) is printed and marks the
    /// path, so one broken path does not hide the others' figures. The scenario still fails at the end.</summary>
    private static async Task Layer3GuardAsync(Layer3Figures p, Func<Task> step)
    {
        try
        {
            await step();
            if (p.Path.Ended() is { } ended)
            {
                throw new InvalidOperationException("the client side ended: " + ended);
            }
        }
        catch (Exception e) when (IsPathFailure(e))
        {
            Console.Error.WriteLine($"layer3 {p.Key} failed: {e}");
            p.Failure = $"{e.GetType().Name}: {e.Message.Split('\n')[0]}; {p.Path.Tail()}";
        }
    }

    /// <summary>What one path's failure looks like (a program that did not start or come up, a probe that failed), as
    /// opposed to a fault of the bench itself, which ends the scenario.</summary>
    private static bool IsPathFailure(Exception e) => e is InvalidOperationException or TimeoutException or IOException
        or System.Net.Sockets.SocketException or HttpRequestException or System.Text.Json.JsonException or KeyNotFoundException;

    /// <summary>
    /// <paramref name="count"/> pings, 10 ms apart, from <paramref name="ns"/> to <paramref name="to"/>; each reply's round
    /// trip in microseconds (ping prints milliseconds to three decimals). Fails if fewer than half came back.
    /// </summary>
    private static async Task<List<double>> PingAsync(string ns, System.Net.IPAddress to, int count)
    {
        var ran = await Tools.RunAsync([.. NetworkLab.In(ns), "ping", "-n", "-c", count.ToString(CultureInfo.InvariantCulture), "-i", "0.01", "-W", "1", to.ToString()],
            TimeSpan.FromSeconds(10 + (count * 0.05)));
        var times = PingTime().Matches(ran.Output).Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) * 1000).ToList();
        return times.Count * 2 >= count
            ? times
            : throw new InvalidOperationException($"ping {to}: {times.Count} of {count} answered: {ran.Error.Trim()}");
    }

    [GeneratedRegex(@"time=([0-9.]+) ms")]
    private static partial Regex PingTime();

    private static double? Layer3Mbit(Layer3Figures p, Layer3Load load) =>
        p.Runs.TryGetValue(load, out var runs) && runs.Count > 0 ? Median(runs.Select(r => r.BitsPerSecond / 1e6)) : null;

    private static string Layer3MbitText(Layer3Figures p, Layer3Load load)
    {
        if (!p.Runs.TryGetValue(load, out var runs) || runs.Count == 0)
        {
            return "-";
        }

        var rates = runs.Select(r => r.BitsPerSecond / 1e6).ToList();
        return rates.Count == 1 ? F(rates[0]) : $"{F(Median(rates))} ({F(rates.Min())}–{F(rates.Max())})";
    }

    // Within a round the paths ran a few minutes apart at most: the round's ratio is less exposed to the machine's
    // other load than a ratio of medians.
    private static double? Layer3Ratio(Layer3Figures p, Layer3Figures? reference, Layer3Load load) =>
        reference is not null && p.Runs.TryGetValue(load, out var mine) && reference.Runs.TryGetValue(load, out var theirs) && mine.Count > 0 && mine.Count == theirs.Count
            ? Median(mine.Zip(theirs, (a, b) => a.BitsPerSecond / b.BitsPerSecond))
            : null;

    private static string Layer3PerGb(Layer3Figures p, Layer3Load load, Func<StreamPathProbes.IperfRun, double> cpu) =>
        !p.Path.Tunnelled || !p.Runs.TryGetValue(load, out var runs) || runs.Count == 0 ? "-" : F(runs.Sum(cpu) / (runs.Sum(r => r.Bytes) / 1e9), "F2");

    private static string Layer3PingText(Layer3Figures p) =>
        p.Pings.Count == 0 ? "-" : $"{F(Load.Percentile(p.Pings, 0.5))}/{F(Load.Percentile(p.Pings, 0.99))}";

    private static void PrintLayer3Tables(List<Layer3Figures> paths, List<string> failed, Layer3Scale size)
    {
        var routed = paths.FirstOrDefault(p => p.Key == "routed");
        var openVpn = paths.FirstOrDefault(p => p.Key == "openvpn");
        Console.WriteLine();
        Console.WriteLine($"layer 3, client ns -> gateway ns -> private ns over veth. Mbit/s: iperf3 TCP -t {size.Seconds}, the receiver's figure, "
            + $"median of {size.Rounds} rounds (min–max); → client to private, ← private to client (-R); ping: {size.Pings} per round, p50/p99 µs");
        Console.WriteLine($"| path | {string.Join(" | ", size.Loads.Select(l => l.Short + " Mbit/s"))} | ping µs p50/p99 |");
        Console.WriteLine($"|---|{string.Concat(size.Loads.Select(_ => "---|"))}---|");
        foreach (var p in paths)
        {
            Console.WriteLine($"| {p.Name} | {string.Join(" | ", size.Loads.Select(l => Layer3MbitText(p, l)))} | {Layer3PingText(p)} |");
        }

        foreach (var failure in failed)
        {
            Console.WriteLine($"| NOT AVAILABLE {failure} |{string.Concat(size.Loads.Select(_ => " - |"))} - |");
        }

        Console.WriteLine();
        Console.WriteLine("Ratios (median of the rounds' ratios) to OpenVPN and to the routed path, and CPU seconds per GB received, client/gateway side "
            + "(all threads and child processes, from /proc; the kernel's forwarding, the veths and iperf3 are in no figure)");
        Console.WriteLine($"| path | {string.Join(" | ", size.Loads.Select(l => l.Short + " ×OpenVPN"))} | {string.Join(" | ", size.Loads.Select(l => l.Short + " ×routed"))} | {string.Join(" | ", size.Loads.Select(l => l.Short + " CPU s/GB c/g"))} |");
        Console.WriteLine($"|---|{string.Concat(Enumerable.Repeat("---|", size.Loads.Length * 3))}");
        foreach (var p in paths)
        {
            var toOpenVpn = size.Loads.Select(l => Layer3Ratio(p, openVpn, l) is { } r ? F(r, "F2") : "-");
            var toRouted = size.Loads.Select(l => Layer3Ratio(p, routed, l) is { } r ? F(r, "F3") : "-");
            var cpu = size.Loads.Select(l => $"{Layer3PerGb(p, l, r => r.ClientCpuSeconds)}/{Layer3PerGb(p, l, r => r.GatewayCpuSeconds)}");
            Console.WriteLine($"| {p.Name} | {string.Join(" | ", toOpenVpn)} | {string.Join(" | ", toRouted)} | {string.Join(" | ", cpu)} |");
        }

        Console.WriteLine();
    }

    /// <summary>
    /// One row per path for the bench's table: its figures for every load; OpenSAG's UDP path judged (full runs) against
    /// issue 11's target on one stream client to private: at least 2× OpenVPN's throughput in the same run and no worse than
    /// OpenSAG's own stream forward.
    /// </summary>
    private static List<Result> Layer3Results(List<Layer3Figures> paths, Layer3Scale size, Scale scale)
    {
        var routed = paths.FirstOrDefault(p => p.Key == "routed");
        var openVpn = paths.FirstOrDefault(p => p.Key == "openvpn");
        var forward = paths.FirstOrDefault(p => p.Key == "opensag-forward");
        var one = size.Loads[0];
        var results = new List<Result>();
        foreach (var p in paths)
        {
            var figure = string.Join(", ", size.Loads.Select(l => $"{l.Short} {F(Layer3Mbit(p, l) ?? 0)}")) + " Mbit/s"
                + (p.Pings.Count > 0 ? $"; ping p50 {F(Load.Percentile(p.Pings, 0.5))} µs" : "")
                + (p.Path.Tunnelled ? $"; CPU s/GB ({one.Short}) client {Layer3PerGb(p, one, r => r.ClientCpuSeconds)}, gateway {Layer3PerGb(p, one, r => r.GatewayCpuSeconds)}" : "");
            var name = $"layer3 {p.Name}";
            if (openVpn is not null)
            {
                var ratio = Layer3Ratio(p, openVpn, one);
                var ceiling = $"{F(Layer3Mbit(openVpn, one) ?? 0)} Mbit/s OpenVPN ({one.Short})";
                if (p.Key == "opensag-udp" && !scale.Smoke && forward is not null && one == new Layer3Load(1, false))
                {
                    var met = ratio >= 2 && Layer3Ratio(p, forward, one) >= 1;
                    results.Add(new(name, figure, ceiling, ratio, ">= 2x OpenVPN and >= the stream forward, 1 stream", met));
                }
                else
                {
                    results.Add(new(name, figure, ceiling, ratio, "-", null));
                }
            }
            else
            {
                var ratio = routed is null ? null : Layer3Ratio(p, routed, one);
                results.Add(new(name, figure, routed is null ? "-" : $"{F(Layer3Mbit(routed, one) ?? 0)} Mbit/s routed ({one.Short})", ratio, "-", null));
            }
        }

        return results;
    }
}
