using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using OpenSag.Client;

namespace OpenSag.Bench;

internal static partial class Scenarios
{
    public static readonly string[] Names = ["api-read", "api-write", "kick-latency", "session-capacity", "login-storm", "login-flood", "throttle-memory", "tunnel", "connection-flood", "stream-path", "layer3"];

    private static string F(double value, string format = "N0") => value.ToString(format, CultureInfo.InvariantCulture);

    public static async Task<List<Result>> ApiReadAsync(Scale scale)
    {
        await using var server = await ServerProcess.StartAsync(shaping: true);
        using var api = new ApiClient(server.ApiPort, scale.Connections);
        var instance = await api.CreateInstanceAsync(100);
        await api.CreateUsersAsync(instance, [.. Enumerable.Range(0, 10).Select(i => "reader" + i)]);
        var count = scale.Smoke ? 5_000 : 200_000;
        var (ceilingApp, ceilingPort) = await Ceilings.StartConstantAsync();
        double ceiling;
        await using (ceilingApp)
        {
            using var ceilingClient = new ApiClient(ceilingPort, scale.Connections);
            // The same path over and over: the constant string is answered up to ~20 times faster than a signed call,
            // so a count sized for those ran out in the warm-up. 4,000,000 references (32 MB) outlast the full window
            // at 300k req/s; Load.RunAsync refuses to report a window the paths did not reach.
            (ceiling, _) = await Load.RunAsync(ceilingClient.Http, [.. Enumerable.Repeat("/", 4_000_000)], scale.Connections, scale);
            await ceilingApp.StopAsync();
        }

        var kickPaths = ApiClient.PreSign(count, "KickOutClients", [new("RegionId", ApiClient.Region), new("SmartAGId", instance), new("Username", "reader0")]);
        var (kick, kickErrors) = await Load.RunAsync(api.Http, kickPaths, scale.Connections, scale);
        var describePaths = ApiClient.PreSign(count, "DescribeSmartAccessGatewayClientUsers",
            [new("RegionId", ApiClient.Region), new("SmartAGId", instance), new("PageSize", "10"), new("PageNumber", "1")]);
        var (describe, describeErrors) = await Load.RunAsync(api.Http, describePaths, scale.Connections, scale);
        if (kickErrors + describeErrors > 0)
        {
            throw new InvalidOperationException($"api-read: {kickErrors} KickOutClients and {describeErrors} Describe errors");
        }

        return
        [
            new("api-read KickOutClients (0 sessions)", $"{F(kick)} req/s", $"{F(ceiling)} req/s", kick / ceiling, ">= 0.5", kick / ceiling >= 0.5),
            new("api-read DescribeClientUsers (page 10)", $"{F(describe)} req/s", $"{F(ceiling)} req/s", describe / ceiling, ">= 0.5", describe / ceiling >= 0.5),
        ];
    }

    public static async Task<List<Result>> ApiWriteAsync(Scale scale)
    {
        await using var server = await ServerProcess.StartAsync(shaping: true);
        using var api = new ApiClient(server.ApiPort, scale.Connections);
        var instance = await api.CreateInstanceAsync(100_000);
        // Each create costs one PBKDF2-SHA512 hash on the server, so a few thousand names cover the window.
        var count = scale.Smoke ? 200 : 4_000;
        var paths = Enumerable.Range(0, count).Select(i => ApiClient.SignedPath("CreateSmartAccessGatewayClientUser",
        [
            new("RegionId", ApiClient.Region), new("SmartAGId", instance), new("UserName", "writeuser" + i.ToString(CultureInfo.InvariantCulture)),
            new("UserMail", "writeuser" + i.ToString(CultureInfo.InvariantCulture) + "@bench.example"), new("Password", ApiClient.Password), new("Bandwidth", "1000"),
        ])).ToArray();
        // A create costs ~0.2 s of CPU (PBKDF2), so 64 in flight on 2 cores take seconds each: a longer window.
        var (rate, errors) = await Load.RunAsync(api.Http, paths, scale.Connections, scale with { WriteWindow = true });
        if (errors > 0)
        {
            throw new InvalidOperationException($"api-write: {errors} errors");
        }

        // The same durability without a password hash: each call is one committed, fsync'd UPDATE. The window above
        // created writeuser0-9 in its first moments (paths are sent in order).
        var modifyPaths = Enumerable.Range(0, scale.Smoke ? 5_000 : 60_000).Select(i => ApiClient.SignedPath("ModifySmartAccessGatewayClientUser",
        [
            new("RegionId", ApiClient.Region), new("SmartAGId", instance), new("UserName", "writeuser" + (i % 10).ToString(CultureInfo.InvariantCulture)),
            new("Bandwidth", (1000 + (i % 1000)).ToString(CultureInfo.InvariantCulture)),
        ])).ToArray();
        var (modifyRate, modifyErrors) = await Load.RunAsync(api.Http, modifyPaths, scale.Connections, scale);
        if (modifyErrors > 0)
        {
            throw new InvalidOperationException($"api-write: {modifyErrors} ModifySmartAccessGatewayClientUser errors");
        }

        return
        [
            new("api-write CreateClientUser (durable)", $"{F(rate, "N1")} req/s", "-", null, ">= 2,000 req/s", rate >= 2000),
            new("api-write ModifyClientUser Bandwidth (durable, no password hash)", $"{F(modifyRate)} req/s", "-", null, ">= 2,000 req/s", modifyRate >= 2000),
        ];
    }

    /// <summary>Brings <paramref name="perUser"/> sessions of a user online: one password login, the rest resume with its token.</summary>
    private static async Task<List<ControlSession>> BringOnlineAsync(ControlClientFactory factory, string instance, string user, int perUser)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var first = await factory.LoginAsync(instance, user, ApiClient.Password, null, timeout.Token);
        var rest = await Task.WhenAll(Enumerable.Range(1, perUser - 1).Select(_ => factory.LoginAsync(instance, user, null, first.Token, timeout.Token)));
        return [first, .. rest];
    }

    public static async Task<List<Result>> KickLatencyAsync(Scale scale)
    {
        const int perUser = 10;
        const int perFiller = 500;
        await using var server = await ServerProcess.StartAsync(shaping: true);
        using var api = new ApiClient(server.ApiPort, 8);
        using var factory = new ControlClientFactory(server.GatewayPort);
        var instance = await api.CreateInstanceAsync(100_000);
        var users = Enumerable.Range(0, scale.KickedUsers).Select(i => "kickuser" + i.ToString(CultureInfo.InvariantCulture)).ToArray();
        var fillers = Enumerable.Range(0, (scale.KickTotalLarge + perFiller - 1) / perFiller).Select(i => "filluser" + i.ToString(CultureInfo.InvariantCulture)).ToArray();
        await api.CreateUsersAsync(instance, [.. users, .. fillers]);
        var online = new Dictionary<string, List<ControlSession>>();
        await Parallel.ForEachAsync(users, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (user, _) =>
        {
            var sessions = await BringOnlineAsync(factory, instance, user, perUser);
            lock (online)
            {
                online[user] = sessions;
            }
        });
        var filler = new List<ControlSession>();
        var results = new List<Result>();
        double smallP99 = 0;
        foreach (var total in new[] { scale.KickTotalSmall, scale.KickTotalLarge })
        {
            var want = total - (users.Length * perUser);
            while (filler.Count < want)
            {
                var user = fillers[filler.Count / perFiller];
                filler.AddRange(await BringOnlineAsync(factory, instance, user, Math.Min(perFiller - (filler.Count % perFiller), want - filler.Count)));
            }

            var latencies = new List<double>();
            var answers = new List<double>();
            for (var k = 0; k < scale.Kicks; k++)
            {
                var user = users[k % users.Length];
                var sessions = online[user];
                var path = ApiClient.SignedPath("KickOutClients", [new("RegionId", ApiClient.Region), new("SmartAGId", instance), new("Username", user)]);
                var start = Stopwatch.GetTimestamp();
                using (var response = await api.Http.GetAsync(path))
                {
                    response.EnsureSuccessStatusCode();
                }

                answers.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                var closed = await Task.WhenAll(sessions.Select(s => s.Closed)).WaitAsync(TimeSpan.FromSeconds(30));
                latencies.Add(Stopwatch.GetElapsedTime(start, closed.Max()).TotalMilliseconds);
                foreach (var s in sessions)
                {
                    s.Dispose();
                }

                // Keep the total constant: the kicked user comes back (a fresh password login; old tokens are dead).
                online[user] = await BringOnlineAsync(factory, instance, user, perUser);
            }

            latencies.Sort();
            answers.Sort();
            var held = online.Values.Sum(s => s.Count(x => !x.Closed.IsCompleted)) + filler.Count(x => !x.Closed.IsCompleted);
            var p50 = Load.Percentile(latencies, 0.5);
            var p99 = Load.Percentile(latencies, 0.99);
            var figure = $"p50 {F(p50, "F2")} ms, p99 {F(p99, "F2")} ms (API answered: p50 {F(Load.Percentile(answers, 0.5), "F2")} ms, p99 {F(Load.Percentile(answers, 0.99), "F2")} ms)";
            var name = $"kick latency, {F(held)} sessions online, {scale.Kicks} kicks";
            if (results.Count == 0)
            {
                smallP99 = p99;
                results.Add(new(name, figure, "-", null, "p99 <= 10 ms", p99 <= 10));
            }
            else
            {
                results.Add(new(name, figure, $"p99 {F(smallP99, "F2")} ms @ {F(scale.KickTotalSmall)}", p99 / smallP99,
                    "p99 <= 10 ms, flat", p99 <= 10 && p99 <= Math.Max(1.5 * smallP99, smallP99 + 2)));
            }
        }

        foreach (var s in online.Values.SelectMany(s => s).Concat(filler))
        {
            s.Dispose();
        }

        return results;
    }

    public static async Task<List<Result>> SessionCapacityAsync(Scale scale)
    {
        // Ceiling: bare TLS connections held by Kestrel in a child process (this program in --hold-tls mode).
        double ceilingKiB;
        using (var child = Process.Start(new ProcessStartInfo("dotnet") { ArgumentList = { typeof(Scenarios).Assembly.Location, "--hold-tls" }, RedirectStandardOutput = true, UseShellExecute = false })!)
        {
            try
            {
                var line = await child.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60)) ?? throw new InvalidOperationException("--hold-tls did not start");
                var port = int.Parse(line.AsSpan(5), CultureInfo.InvariantCulture);
                using var warm = new CancellationTokenSource(TimeSpan.FromSeconds(60));
                foreach (var s in await Ceilings.OpenTlsAsync(port, 20, 4, warm.Token))
                {
                    s.Dispose();
                }

                await Task.Delay(500);
                var before = Native.RssKiB(child.Id);
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(180));
                var streams = await Ceilings.OpenTlsAsync(port, scale.CeilingTlsConnections, 32, timeout.Token);
                await Task.Delay(1000);
                var after = Native.RssKiB(child.Id);
                ceilingKiB = (after - before) / (double)streams.Count;
                foreach (var s in streams)
                {
                    s.Dispose();
                }
            }
            finally
            {
                child.Kill(entireProcessTree: true);
                await child.WaitForExitAsync();
            }
        }

        await using var server = await ServerProcess.StartAsync(shaping: true);
        using var api = new ApiClient(server.ApiPort, 8);
        using var factory = new ControlClientFactory(server.GatewayPort);
        var instance = await api.CreateInstanceAsync(100_000);
        const int perUser = 500;
        var userCount = (scale.CapacitySessions + perUser - 1) / perUser;
        var users = Enumerable.Range(0, userCount).Select(i => "capuser" + i.ToString(CultureInfo.InvariantCulture)).ToArray();
        await api.CreateUsersAsync(instance, users);
        // Warm the server's paths with one session, so the before/after difference is the sessions' own memory.
        using (var warmTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            var warm = await factory.LoginAsync(instance, users[0], ApiClient.Password, null, warmTimeout.Token);
            var token = warm.Token;
            var more = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => factory.LoginAsync(instance, users[0], null, token, warmTimeout.Token)));
            foreach (var s in more)
            {
                s.Dispose();
            }

            warm.Dispose();
        }

        await Task.Delay(1000);
        var rssBefore = server.RssKiB;
        var sessions = new List<ControlSession>(scale.CapacitySessions);
        var failures = 0;
        using var capacityTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(300));
        foreach (var user in users)
        {
            var first = await factory.LoginAsync(instance, user, ApiClient.Password, null, capacityTimeout.Token);
            sessions.Add(first);
            var want = Math.Min(perUser, scale.CapacitySessions - sessions.Count + 1) - 1;
            await Parallel.ForEachAsync(Enumerable.Range(0, want), new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = capacityTimeout.Token }, async (_, ct) =>
            {
                try
                {
                    var s = await factory.LoginAsync(instance, user, null, first.Token, ct);
                    lock (sessions)
                    {
                        sessions.Add(s);
                    }
                }
                catch (Exception e) when (e is WebSocketException or HttpRequestException or InvalidOperationException or IOException)
                {
                    Interlocked.Increment(ref failures);
                }
            });
        }

        await Task.Delay(2000);
        var held = sessions.Count(s => !s.Closed.IsCompleted);
        var rssAfter = server.RssKiB;
        var perSession = (rssAfter - rssBefore) / (double)held;
        foreach (var s in sessions)
        {
            s.Dispose();
        }

        var target = scale.Smoke ? scale.CapacitySessions : 18_000;
        return
        [
            new("session capacity", $"{F(held)} idle sessions held ({failures} failed)", "-", null, $">= {F(target)}", held >= target),
            new("memory per idle session", $"{F(perSession, "F1")} KiB (RSS {F(rssBefore / 1024.0, "F0")} -> {F(rssAfter / 1024.0, "F0")} MiB)",
                $"{F(ceilingKiB, "F1")} KiB bare TLS ({F(scale.CeilingTlsConnections)} conns)", perSession / ceilingKiB, "<= 1.25x", perSession / ceilingKiB <= 1.25),
        ];
    }

    public static async Task<List<Result>> TunnelAsync(Scale scale)
    {
        using var sink = new TcpSink();
        using var relay = new TlsRelay(sink.Port);
        var direct1 = await DirectAsync(sink, 1, scale);
        var direct32 = await DirectAsync(sink, scale.TunnelStreams, scale);
        var tls1 = await ThroughTlsAsync(relay, sink, 1, scale);
        var tls32 = await ThroughTlsAsync(relay, sink, scale.TunnelStreams, scale);
        // One user per stream at the largest Bandwidth the API allows (20,000 Kbit/s = 2.5 MB/s). 32 such caps sum to
        // 80 MB/s, less than the unshaped relay carries, so the shaping figure uses enough users that the caps sum
        // above it (ShapingStreams x 2.5 MB/s) and compares with the same streams unshaped. The users log in once
        // (PBKDF2 each); the shaped server is the same data folder restarted, which the sessions resume into.
        var server = await ServerProcess.StartAsync(shaping: false);
        try
        {
            using var api = new ApiClient(server.ApiPort, 8);
            var instance = await api.CreateInstanceAsync(1000);
            var users = Enumerable.Range(0, scale.ShapingStreams).Select(i => "tunneluser" + i.ToString(CultureInfo.InvariantCulture)).ToArray();
            await api.CreateUsersAsync(instance, users);
            var sessions = await LogInAsync(server, instance, users, null);
            var unshaped1 = await TunnelledAsync(sessions[..1], sink, scale);
            var unshaped32 = await TunnelledAsync(sessions[..scale.TunnelStreams], sink, scale);
            var unshapedAll = await TunnelledAsync(sessions, sink, scale);
            server = await server.RestartAsync(shaping: true);
            var tokens = sessions.Select(s => s.Online.Token).ToArray();
            await DisposeAllAsync(sessions);
            sessions = await LogInAsync(server, instance, users, tokens);
            var shapedAll = await TunnelledAsync(sessions, sink, scale);
            await DisposeAllAsync(sessions);

            static string Mb(double bytesPerSecond) => F(bytesPerSecond / 1e6, "N0") + " MB/s";
            var caps = scale.ShapingStreams * 20_000 * 1000.0 / 8;
            return
            [
                new("tunnel throughput, 1 stream", $"{Mb(unshaped1)} ({F(unshaped1 / tls1, "F2")} of a TLS relay)", Mb(direct1) + " direct", unshaped1 / direct1, ">= 0.5", unshaped1 / direct1 >= 0.5),
                new($"tunnel throughput, {scale.TunnelStreams} streams", $"{Mb(unshaped32)} ({F(unshaped32 / tls32, "F2")} of a TLS relay)", Mb(direct32) + " direct", unshaped32 / direct32, ">= 0.5", unshaped32 / direct32 >= 0.5),
                new("reference: TLS-terminating relay, 1 stream", Mb(tls1), Mb(direct1) + " direct", tls1 / direct1, "-", null),
                new($"reference: TLS-terminating relay, {scale.TunnelStreams} streams", Mb(tls32), Mb(direct32) + " direct", tls32 / direct32, "-", null),
                new($"shaping cost, {scale.ShapingStreams} streams ({scale.ShapingStreams} users x 20 Mbit/s = {Mb(caps)} of caps)", Mb(shapedAll),
                    Mb(unshapedAll) + $" unshaped, same {scale.ShapingStreams} streams", shapedAll / unshapedAll, ">= 0.8", shapedAll / unshapedAll >= 0.8),
            ];
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    /// <summary>One <see cref="ClientSession"/> per user: password logins (queued by the gateway's PBKDF2 gate), or resumes.</summary>
    private static async Task<ClientSession[]> LogInAsync(ServerProcess server, string instance, string[] users, string[]? tokens)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(180));
        var sessions = await Task.WhenAll(users.Select((u, i) => ClientSession.LoginAsync(
            new ClientOptions($"127.0.0.1:{server.GatewayPort}", server.CertificateFile, instance, u, ApiClient.Password), tokens?[i], timeout.Token)));
        foreach (var s in sessions)
        {
            // Keepalive pongs are read only by a pending receive: without the session's reader the control channel
            // of a session held longer than the keepalive timeout (128 password logins take that long) is dropped.
            _ = s.RunAsync(CancellationToken.None).ContinueWith(static t => t.Exception, TaskScheduler.Default);
        }

        return sessions;
    }

    private static async Task DisposeAllAsync(ClientSession[] sessions)
    {
        foreach (var s in sessions)
        {
            await s.DisposeAsync();
        }
    }

    private static async Task<double> DirectAsync(TcpSink sink, int streams, Scale scale)
    {
        var clients = new List<System.Net.Sockets.TcpClient>();
        for (var i = 0; i < streams; i++)
        {
            var c = new System.Net.Sockets.TcpClient();
            await c.ConnectAsync(System.Net.IPAddress.Loopback, sink.Port);
            clients.Add(c);
        }

        var rate = await MeasureAsync(sink, clients.Select(c => (Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask>)((m, ct) => c.GetStream().WriteAsync(m, ct))).ToList(), scale);
        foreach (var c in clients)
        {
            c.Dispose();
        }

        return rate;
    }

    private static async Task<double> ThroughTlsAsync(TlsRelay relay, TcpSink sink, int streams, Scale scale)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var clients = new List<System.Net.Security.SslStream>();
        for (var i = 0; i < streams; i++)
        {
            clients.Add(await relay.ConnectAsync(timeout.Token));
        }

        var rate = await MeasureAsync(sink, clients.Select(c => (Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask>)((m, ct) => c.WriteAsync(m, ct))).ToList(), scale);
        foreach (var c in clients)
        {
            await c.DisposeAsync();
        }

        return rate;
    }

    private static async Task<double> TunnelledAsync(ClientSession[] sessions, TcpSink sink, Scale scale)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var sockets = await Task.WhenAll(sessions.Select(s => s.OpenTunnelAsync($"127.0.0.1:{sink.Port}", timeout.Token)));
        var rate = await MeasureAsync(sink, sockets.Select(w => (Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask>)((m, ct) => w.SendAsync(m, WebSocketMessageType.Binary, true, ct))).ToList(), scale);
        foreach (var w in sockets)
        {
            w.Abort();
            w.Dispose();
        }

        return rate;
    }

    /// <summary>Each writer sends 64 KiB chunks until the window ends; the rate is what the sink received in the window.</summary>
    private static async Task<double> MeasureAsync(TcpSink sink, List<Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask>> writers, Scale scale)
    {
        var chunk = new byte[64 * 1024];
        Random.Shared.NextBytes(chunk);
        using var stop = new CancellationTokenSource(scale.Warmup + scale.TunnelMeasure);
        var tasks = writers.Select(w => Task.Run(async () =>
        {
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    await w(chunk, stop.Token);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or WebSocketException or ObjectDisposedException)
            {
            }
        })).ToArray();
        await Task.Delay(scale.Warmup);
        var before = sink.Bytes;
        var start = Stopwatch.GetTimestamp();
        await Task.Delay(scale.TunnelMeasure);
        var bytes = sink.Bytes - before;
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        await stop.CancelAsync();
        await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(30));
        return bytes / seconds;
    }
}
