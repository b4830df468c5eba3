using System.Diagnostics;
using System.Net;
using OpenSag.Gateway;
using OpenSag.Gateway.Security;
using OpenSag.Gateway.Sessions;

namespace OpenSag.Bench;

/// <summary>
/// <c>login-flood</c> and <c>throttle-memory</c> (issue 9 items 7 and 9). The flood: attacker connections from several
/// loopback sources (127.0.0.2…, all loopback on Linux) send wrong passwords for ever-new user names without pause, and a
/// legitimate user logs in from a source of its own: its login latency, against the same login on an idle gateway. The
/// memory: failed logins for 100,000 distinct user names through the gateway's <see cref="LoginThrottle"/>, in this
/// process (through the real gateway that would be 100,000 PBKDF2 checks, hours), held and after one heartbeat.
/// </summary>
internal static partial class Scenarios
{
    public static async Task<List<Result>> LoginFloodAsync(Scale scale)
    {
        var (connections, sources, logins) = scale.Smoke ? (16, 4, 1) : (64, 8, 5);
        await using var server = await ServerProcess.StartAsync(shaping: true);
        using var api = new ApiClient(server.ApiPort, 4);
        var instance = await api.CreateInstanceAsync(100);
        await api.CreateUsersAsync(instance, ["legituser"]);
        using var legitimate = new ControlClientFactory(server.GatewayPort, _ => IPAddress.Parse("127.0.0.100"));
        var attempts = 0L;
        var idle = await TimeLoginsAsync(legitimate, instance, 3, () => 0);

        using var attackers = new ControlClientFactory(server.GatewayPort, n => new IPAddress([127, 0, 0, (byte)(2 + (n % (uint)sources))]));
        using var stop = new CancellationTokenSource();
        var flood = Enumerable.Range(0, connections).Select(async k =>
        {
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                try
                {
                    using var session = await attackers.LoginAsync(instance, $"guess{k}x{n}", "Wr0ng_password", null, stop.Token);
                }
                catch (Exception e) when (e is InvalidOperationException or System.Net.WebSockets.WebSocketException or HttpRequestException or IOException or OperationCanceledException)
                {
                    // Refused (the point), or cut short when the flood stops.
                }

                Interlocked.Increment(ref attempts);
            }
        }).ToArray();

        // Early: 3 s in, every attacker connection has a check queued, and none of its sources has failed yet, so they
        // are indistinguishable from legitimate first tries. Sustained: once each connection has been answered twice,
        // every queued attacker check comes from a source that failed.
        await Task.Delay(TimeSpan.FromSeconds(3));
        var early = await TimeLoginsAsync(legitimate, instance, logins, () => Interlocked.Read(ref attempts));
        using (var patience = new CancellationTokenSource(TimeSpan.FromMinutes(3)))
        {
            while (Interlocked.Read(ref attempts) < 2 * connections)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), patience.Token);
            }
        }

        var sustained = await TimeLoginsAsync(legitimate, instance, logins, () => Interlocked.Read(ref attempts));
        await stop.CancelAsync();
        await Task.WhenAll(flood).WaitAsync(TimeSpan.FromMinutes(2));

        var verifyMs = MeasurePbkdf2Milliseconds();
        var boundMs = (sources + 1) * verifyMs;
        var idleText = $"idle gateway p50 {F(Median(idle.Milliseconds))} ms; one turn per source: ({F(sources)} + 1) x PBKDF2 {F(verifyMs)} ms = {F(boundMs)} ms";
        return
        [
            new($"login early in a {F(connections)}-connection password flood from {F(sources)} sources", early.Describe(), idleText,
                // One round of the sources, stretched by the slot in four that failing sources get: 8 x 4/3 + 1 = 11.
                boundMs / early.Milliseconds.Max(), "at most one round of sources ahead of it", early.Overtaken.Max() <= (sources * 4 / 3) + 1),
            new($"login in a sustained {F(connections)}-connection password flood from {F(sources)} sources",
                sustained.Describe() + $"; {F(Interlocked.Read(ref attempts))} attacker attempts in all", idleText,
                boundMs / sustained.Milliseconds.Max(), "at most one attacker check ahead of it", sustained.Overtaken.Max() <= 1),
        ];
    }

    public static Task<List<Result>> ThrottleMemoryAsync(Scale scale)
    {
        const int names = 100_000;
        var clock = new SteppedClock();
        var options = new GatewayOptions();
        var throttle = new LoginThrottle(options, clock);
        using var heartbeat = new ControlHeartbeat(options, clock);
        using var sweep = new LoginStateSweep(throttle, new SessionTokens(new byte[32]), heartbeat, clock);
        var baseline = GC.GetTotalMemory(forceFullCollection: true);
        for (var i = 0; i < names; i++)
        {
            throttle.RecordFailure($"sag-abcdefghij0123456789/guess{i:D7}", $"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}");
        }

        var heldEntries = throttle.EntryCount;
        var held = GC.GetTotalMemory(forceFullCollection: true) - baseline;
        clock.Now += options.LoginFailureWindow;
        sweep.Sweep();
        var after = GC.GetTotalMemory(forceFullCollection: true) - baseline;
        return Task.FromResult<List<Result>>(
        [
            new($"failed-login state for {F(names)} distinct user names",
                $"{F(heldEntries)} entries, {F(held / 1024.0 / 1024, "F1")} MiB held; after the window and one heartbeat {F(throttle.EntryCount)} entries, {F(after / 1024.0 / 1024, "F1")} MiB",
                "-", null, "0 entries after the window", throttle.EntryCount == 0),
        ]);
    }

    /// <summary>
    /// Logs in <paramref name="count"/> times in a row; each login's time, and how many attacker attempts were answered
    /// between sending the login message and its answer (<paramref name="answered"/>): the queue it stood in, apart from
    /// the connection, TLS handshake and upgrade before it, which on a busy machine are most of the time.
    /// </summary>
    private static async Task<LoginTimes> TimeLoginsAsync(ControlClientFactory factory, string instance, int count, Func<long> answered)
    {
        var times = new double[count];
        var overtaken = new long[count];
        for (var i = 0; i < count; i++)
        {
            var before = 0L;
            var start = Stopwatch.GetTimestamp();
            using var session = await factory.LoginAsync(instance, "legituser", ApiClient.Password, null, CancellationToken.None, () => before = answered())
                .WaitAsync(TimeSpan.FromMinutes(2));
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            overtaken[i] = answered() - before;
        }

        return new(times, overtaken);
    }

    private static double Median(double[] values) => values.Order().ElementAt(values.Length / 2);

    private sealed record LoginTimes(double[] Milliseconds, long[] Overtaken)
    {
        public string Describe() =>
            $"legitimate login p50 {F(Median(Milliseconds))} ms, max {F(Milliseconds.Max())} ms; attacker attempts answered between its login message and the answer: max {F(Overtaken.Max())} ({F(Milliseconds.Length)} {(Milliseconds.Length == 1 ? "login" : "logins")})";
    }

    /// <summary>A clock the scenario moves past the failure window instead of waiting a minute.</summary>
    private sealed class SteppedClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = DateTimeOffset.UtcNow;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
