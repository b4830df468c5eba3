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
        var (connections, sources, logins) = scale.Smoke ? (16, 4, 2) : (64, 8, 10);
        await using var server = await ServerProcess.StartAsync(shaping: true);
        using var api = new ApiClient(server.ApiPort, 4);
        var instance = await api.CreateInstanceAsync(100);
        await api.CreateUsersAsync(instance, ["legituser"]);
        using var legitimate = new ControlClientFactory(server.GatewayPort, _ => IPAddress.Parse("127.0.0.100"));
        var attempts = 0L;
        var (idle, _) = await TimeLoginsAsync(legitimate, instance, 3, () => 0);

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

        // Let the flood fill the queue: every attacker connection has a check waiting before the first legitimate login.
        await Task.Delay(TimeSpan.FromSeconds(3));
        var (flooded, overtaken) = await TimeLoginsAsync(legitimate, instance, logins, () => Interlocked.Read(ref attempts));
        await stop.CancelAsync();
        await Task.WhenAll(flood).WaitAsync(TimeSpan.FromMinutes(2));

        var verifyMs = MeasurePbkdf2Milliseconds();
        var boundMs = (sources + 1) * verifyMs;
        var p50 = flooded.Order().ElementAt(flooded.Length / 2);
        return
        [
            new($"login under a {F(connections)}-connection password flood from {F(sources)} sources",
                $"legitimate login p50 {F(p50)} ms, max {F(flooded.Max())} ms; attacker attempts answered while it waited: p50 {F(overtaken.Order().ElementAt(overtaken.Length / 2))}, max {F(overtaken.Max())} ({F(logins)} logins; {F(Interlocked.Read(ref attempts))} attacker attempts)",
                $"idle gateway p50 {F(idle.Order().ElementAt(idle.Length / 2))} ms; one turn per source: ({F(sources)} + 1) x PBKDF2 {F(verifyMs)} ms = {F(boundMs)} ms",
                boundMs / flooded.Max(), "at most one attacker attempt per source overtakes it", overtaken.Max() <= sources),
        ];
    }

    public static Task<List<Result>> ThrottleMemoryAsync(Scale scale)
    {
        const int names = 100_000;
        var clock = new SteppedClock();
        var options = new GatewayOptions();
        var throttle = new LoginThrottle(options, clock);
        var sweep = new LoginStateSweep(throttle, new SessionTokens(new byte[32]), clock);
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
    /// meanwhile (<paramref name="answered"/>): on a busy machine the time is mostly the machine, the count is the queue.
    /// </summary>
    private static async Task<(double[] Milliseconds, long[] Overtaken)> TimeLoginsAsync(ControlClientFactory factory, string instance, int count, Func<long> answered)
    {
        var times = new double[count];
        var overtaken = new long[count];
        for (var i = 0; i < count; i++)
        {
            var before = answered();
            var start = Stopwatch.GetTimestamp();
            using var session = await factory.LoginAsync(instance, "legituser", ApiClient.Password, null, CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(2));
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            overtaken[i] = answered() - before;
        }

        return (times, overtaken);
    }

    /// <summary>A clock the scenario moves past the failure window instead of waiting a minute.</summary>
    private sealed class SteppedClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = DateTimeOffset.UtcNow;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
