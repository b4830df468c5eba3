using System.Diagnostics;
using System.Net;

namespace OpenSag.Bench;

internal sealed record Result(string Scenario, string Figure, string Ceiling, double? Ratio, string Target, bool? Met);

internal sealed record Scale(bool Smoke)
{
    public bool WriteWindow { get; init; }

    // 5 s, not less: with tiered JIT and dynamic PGO the server was still compiling (a fifth of its CPU) 2 s into a
    // window, so a short warm-up measured the JIT rather than the steady state a gateway runs in.
    public TimeSpan Warmup => WriteWindow ? TimeSpan.FromSeconds(Smoke ? 2 : 10) : Smoke ? TimeSpan.FromMilliseconds(200) : TimeSpan.FromSeconds(5);

    public TimeSpan Measure => WriteWindow ? TimeSpan.FromSeconds(Smoke ? 3 : 15) : Smoke ? TimeSpan.FromMilliseconds(500) : TimeSpan.FromSeconds(6);

    public int Connections => Smoke ? 8 : 64;
    // Kicked users hold 10 sessions each; filler users (500 resumed sessions each) bring the total to 1,000 and
    // then 10,000. Filler sessions avoid one PBKDF2 login per session (see README: login cost).
    public int KickedUsers => Smoke ? 4 : 20;
    public int KickTotalSmall => Smoke ? 60 : 1_000;
    public int KickTotalLarge => Smoke ? 120 : 10_000;
    // As the issue asks. Each kick is followed by a password re-login of the kicked user (one PBKDF2, nine resumes),
    // outside the measured time.
    public int Kicks => Smoke ? 4 : 200;
    public int CapacitySessions => Smoke ? 200 : 18_000;
    public int CeilingTlsConnections => Smoke ? 200 : 5_000;
    // The storm (5,000 clients after a gateway restart) is a resume storm: clients come back with their session
    // token (one HMAC each). A storm of password logins is bounded by PBKDF2 (~0.2 s of a core each, checked one core
    // fewer than the machine has at a time), so it runs at a size whose time that bound predicts.
    public int ResumeStormClients => Smoke ? 100 : 5_000;
    public int PasswordStormClients => Smoke ? 8 : 150;
    public int TunnelStreams => Smoke ? 4 : 32;
    // 128 x 20 Mbit/s = 320 MB/s of caps: above what the unshaped relay carries here (about 200 MB/s).
    public int ShapingStreams => Smoke ? 8 : 128;
    public TimeSpan TunnelMeasure => Smoke ? TimeSpan.FromMilliseconds(500) : TimeSpan.FromSeconds(4);
}

internal static class Load
{
    /// <summary>
    /// <paramref name="concurrency"/> workers send the paths in order (each at most once): a warm-up, then a measured
    /// window. Bounded by the path count and by time. Returns successful requests per second in the window.
    /// </summary>
    public static async Task<(double PerSecond, long Errors)> RunAsync(HttpClient http, string[] paths, int concurrency, Scale scale)
    {
        var index = -1;
        long ok = 0, errors = 0;
        var measuring = false;
        var stop = Stopwatch.StartNew();
        var total = scale.Warmup + scale.Measure;
        var measureStart = 0L;
        var measureEnd = 0L;
        async Task WorkerAsync()
        {
            while (stop.Elapsed < total)
            {
                var i = Interlocked.Increment(ref index);
                if (i >= paths.Length)
                {
                    return;
                }

                try
                {
                    using var response = await http.GetAsync(paths[i], HttpCompletionOption.ResponseContentRead);
                    if (Volatile.Read(ref measuring))
                    {
                        if (response.StatusCode == HttpStatusCode.OK)
                        {
                            Interlocked.Increment(ref ok);
                        }
                        else
                        {
                            Interlocked.Increment(ref errors);
                        }
                    }
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref errors);
                }
            }
        }

        var workers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(WorkerAsync)).ToArray();
        await Task.Delay(scale.Warmup);
        measureStart = Stopwatch.GetTimestamp();
        Volatile.Write(ref measuring, true);
        var all = Task.WhenAll(workers);
        if (all.IsCompleted)
        {
            // Every path was sent in the warm-up: the window would count nothing and report 0 req/s as a figure.
            throw new InvalidOperationException($"{paths.Length} paths ran out in the warm-up; give the scenario more");
        }

        await Task.WhenAny(all, Task.Delay(scale.Measure));
        Volatile.Write(ref measuring, false);
        measureEnd = Stopwatch.GetTimestamp();
        var counted = Interlocked.Read(ref ok);
        await all.WaitAsync(TimeSpan.FromSeconds(150));
        return (counted / Stopwatch.GetElapsedTime(measureStart, measureEnd).TotalSeconds, errors);
    }

    public static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
}
