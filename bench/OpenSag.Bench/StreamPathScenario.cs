using System.Net;

namespace OpenSag.Bench;

/// <summary>
/// <c>stream-path</c> (issue 14): one TCP stream from a client namespace through a gateway namespace to a private one over
/// veth links, routed (no tunnel), through stunnel, through OpenSSH's <c>ssh -L</c> and through OpenSAG, one after another in
/// one run. For each: iperf3 throughput of one stream, CPU seconds per GB of each end, the 1-byte round trip added over the
/// routed path (p50/p99) and the time from starting the client side to the first echoed byte. Needs root, <c>ip netns</c>,
/// iperf3, stunnel and OpenSSH; without them it is skipped with the reason (under CI, where they are installed, it fails).
/// </summary>
internal static partial class Scenarios
{
    private const int RoundTripWarmup = 50;
    private const string DirectPath = "direct (routed)";
    private const string StunnelPath = "stunnel";
    private const string OpenSagPath = "OpenSAG connect --forward";
    private static readonly string[] RequiredTools = ["iperf3", "ssh", "ssh-keygen", "sshd"];

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

        // Full: ~10 s iperf runs as the issue measured; smoke: enough to show every path still carries bytes.
        var seconds = scale.Smoke ? 1 : 10;
        var roundTrips = scale.Smoke ? 200 : 5_000;
        var starts = scale.Smoke ? 2 : 5;
        var roundTripBudget = TimeSpan.FromSeconds(scale.Smoke ? 5 : 20);
        var firstByteBudget = TimeSpan.FromSeconds(20);

        using var lab = NetworkLab.Create();
        var work = Directory.CreateTempSubdirectory("opensag-stream-path-").FullName;
        try
        {
            var (certificate, key) = StreamPaths.WriteCertificate(work);
            using var echo = new EchoServer(lab.Private, new(NetworkLab.PrivateAddress, StreamPaths.PrivateEchoPort));
            await using var iperfServer = LabProcess.Start("iperf3 -s",
                [.. NetworkLab.In(lab.Private), "iperf3", "-s", "-B", NetworkLab.PrivateAddress.ToString(), "-p", StreamPaths.PrivateIperfPort.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            await StreamPathProbes.WaitListeningAsync(iperfServer, StreamPaths.PrivateIperfPort, TimeSpan.FromSeconds(30));

            var figures = new List<PathFigures>();
            var failed = new List<string>();
            (string Name, Func<Task<StreamPath>> Setup)[] paths =
            [
                (DirectPath, () => Task.FromResult(StreamPaths.Direct())),
                (StunnelPath, () => StreamPaths.StunnelAsync(lab, work, certificate, key)),
                ("OpenSSH ssh -L", () => StreamPaths.OpenSshAsync(lab, work)),
                (OpenSagPath, () => StreamPaths.OpenSagAsync(lab, certificate, key)),
            ];
            foreach (var (name, setup) in paths)
            {
                Console.WriteLine($"   {name} ...");
                try
                {
                    await using var path = await setup();
                    figures.Add(await MeasurePathAsync(lab, name, path, seconds, roundTrips, roundTripBudget, starts, firstByteBudget));
                }
                catch (Exception e) when (e is InvalidOperationException or TimeoutException or IOException or System.Net.Sockets.SocketException or HttpRequestException or System.Text.Json.JsonException or KeyNotFoundException)
                {
                    // One broken path must not hide the others' figures: it is reported, and fails the scenario below.
                    Console.Error.WriteLine($"stream-path {name} failed: {e}");
                    failed.Add($"{name}: {e.GetType().Name}: {e.Message.Split('\n')[0]}");
                }
            }

            PrintStreamPathTable(figures, failed, seconds, roundTrips, starts);
            return failed.Count == 0
                ? StreamPathResults(figures, scale)
                : throw new InvalidOperationException("stream-path: " + string.Join("; ", failed));
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>What one path measured: iperf3, its round trips (µs, sorted) and each start's first byte.</summary>
    private sealed record PathFigures(string Name, StreamPathProbes.IperfRun Stream, List<double> RoundTrips, List<(double Seconds, int Retries)> FirstBytes, bool HasClient);

    private static async Task<PathFigures> MeasurePathAsync(NetworkLab lab, string name, StreamPath path, int seconds, int roundTrips, TimeSpan roundTripBudget, int starts, TimeSpan firstByteBudget)
    {
        var firstBytes = new List<(double, int)>();
        if (path.StartClient is { } start)
        {
            for (var i = 0; i < starts; i++)
            {
                firstBytes.Add(await StreamPathProbes.FirstByteAsync(lab.Client, path.Echo, start, firstByteBudget));
            }
        }

        // The client side that carries the measured traffic: started once more, used once it echoes.
        LabProcess? client = null;
        try
        {
            if (path.StartClient is not null)
            {
                client = path.StartClient();
                var ready = System.Diagnostics.Stopwatch.StartNew();
                while (!await StreamPathProbes.EchoesAsync(lab.Client, path.Echo))
                {
                    if (client.HasExited || ready.Elapsed > firstByteBudget)
                    {
                        throw new InvalidOperationException($"no echo through the client side: {client.Tail()}");
                    }

                    await Task.Delay(TimeSpan.FromMilliseconds(5));
                }
            }

            var trips = await StreamPathProbes.RoundTripsAsync(lab.Client, path.Echo, RoundTripWarmup, roundTrips, roundTripBudget);
            int[] clientPids = client is null ? [] : [client.Pid];
            var stream = await StreamPathProbes.IperfAsync(lab.Client, path.Iperf, seconds, clientPids, path.GatewayPids);
            return new(name, stream, trips, firstBytes, client is not null);
        }
        finally
        {
            if (client is not null)
            {
                await client.DisposeAsync();
            }
        }
    }

    private static List<Result> StreamPathResults(List<PathFigures> figures, Scale scale)
    {
        var direct = figures.Single(f => f.Name == DirectPath);
        var stunnel = figures.Single(f => f.Name == StunnelPath);
        var results = new List<Result>();
        foreach (var f in figures)
        {
            var ratio = f.Stream.BitsPerSecond / stunnel.Stream.BitsPerSecond;
            var figure = $"{Mbit(f)} Mbit/s; CPU s/GB client {PerGb(f, f.Stream.ClientCpuSeconds)}, gateway {PerGb(f, f.Stream.GatewayCpuSeconds)}; "
                + $"RTT {(f == direct ? "p50/p99 " + RoundTripText(f, null) : "added " + RoundTripText(f, direct))} µs; first byte {FirstByteText(f)}";
            var name = $"stream-path {f.Name}";
            if (f.Name == OpenSagPath && !scale.Smoke)
            {
                // Issue 14's bar: the TLS-relay floor, judged against stunnel in the same run.
                var added = Load.Percentile(f.RoundTrips, 0.5) - Load.Percentile(direct.RoundTrips, 0.5);
                var stunnelAdded = Load.Percentile(stunnel.RoundTrips, 0.5) - Load.Percentile(direct.RoundTrips, 0.5);
                var met = ratio >= 0.9
                    && PerGbValue(f, f.Stream.ClientCpuSeconds) <= PerGbValue(stunnel, stunnel.Stream.ClientCpuSeconds) / 0.9
                    && PerGbValue(f, f.Stream.GatewayCpuSeconds) <= PerGbValue(stunnel, stunnel.Stream.GatewayCpuSeconds) / 0.9
                    && added <= 2 * stunnelAdded
                    && Median(f.FirstBytes) < 0.3;
                results.Add(new(name, figure, $"{Mbit(stunnel)} Mbit/s stunnel", ratio,
                    ">= 0.9x stunnel Mbit/s, <= 1/0.9x its CPU/GB each end, RTT added p50 <= 2x stunnel's, first byte < 0.3 s", met));
            }
            else
            {
                results.Add(new(name, figure, $"{Mbit(stunnel)} Mbit/s stunnel", ratio, "-", null));
            }
        }

        return results;
    }

    private static void PrintStreamPathTable(List<PathFigures> figures, List<string> failed, int seconds, int roundTrips, int starts)
    {
        var direct = figures.FirstOrDefault(f => f.Name == DirectPath);
        var stunnel = figures.FirstOrDefault(f => f.Name == StunnelPath);
        Console.WriteLine();
        Console.WriteLine($"stream path, client ns -> gateway ns -> private ns over veth: iperf3 -t {seconds}, one TCP stream client -> private; "
            + $"RTT: up to {roundTrips:N0} 1-byte round trips on one connection after {RoundTripWarmup} uncounted; first byte: median of {starts} client starts "
            + "(failed attempts before it, median, in parentheses)");
        Console.WriteLine("| path | Mbit/s | ×stunnel | client CPU s/GB | gateway CPU s/GB | RTT added µs (p50/p99) | first byte s |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        foreach (var f in figures)
        {
            var rtt = f == direct ? $"(itself: {RoundTripText(f, null)})" : direct is null ? $"(in all: {RoundTripText(f, null)})" : RoundTripText(f, direct);
            var ratio = stunnel is null ? "-" : F(f.Stream.BitsPerSecond / stunnel.Stream.BitsPerSecond, "F2");
            Console.WriteLine($"| {f.Name} | {Mbit(f)} | {ratio} | {PerGb(f, f.Stream.ClientCpuSeconds)} | {PerGb(f, f.Stream.GatewayCpuSeconds)} | {rtt} | {FirstByteText(f)} |");
        }

        foreach (var failure in failed)
        {
            Console.WriteLine($"| FAILED {failure} | - | - | - | - | - | - |");
        }

        Console.WriteLine();
    }

    private static string Mbit(PathFigures f) => F(f.Stream.BitsPerSecond / 1e6);

    private static double PerGbValue(PathFigures f, double cpuSeconds) => cpuSeconds / (f.Stream.Bytes / 1e9);

    // The routed path has no process of its own at either end (the kernel forwards): no figure rather than a zero.
    private static string PerGb(PathFigures f, double cpuSeconds) => f.HasClient ? F(PerGbValue(f, cpuSeconds), "F2") : "-";

    private static string RoundTripText(PathFigures f, PathFigures? direct)
    {
        var p50 = Load.Percentile(f.RoundTrips, 0.5) - (direct is null ? 0 : Load.Percentile(direct.RoundTrips, 0.5));
        var p99 = Load.Percentile(f.RoundTrips, 0.99) - (direct is null ? 0 : Load.Percentile(direct.RoundTrips, 0.99));
        return $"{F(p50)}/{F(p99)} ({f.RoundTrips.Count:N0})";
    }

    private static double Median(List<(double Seconds, int Retries)> firstBytes) =>
        Load.Percentile([.. firstBytes.Select(b => b.Seconds).Order()], 0.5);

    private static string FirstByteText(PathFigures f) => f.FirstBytes.Count == 0
        ? "-"
        : $"{F(Median(f.FirstBytes), "F2")} ({F(Load.Percentile([.. f.FirstBytes.Select(b => (double)b.Retries).Order()], 0.5))})";

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
