using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace OpenSag.Bench;

/// <summary>
/// A TCP echo server whose sockets live in a network namespace of the lab. One blocking thread per connection, so a
/// 1-byte round trip costs two syscalls here and no thread-pool wake-up: the echo adds as little as it can to every path.
/// </summary>
internal sealed class EchoServer : IDisposable
{
    private readonly Socket _listener;

    public EchoServer(string ns, IPEndPoint at)
    {
        _listener = NetworkLab.NewSocket(ns);
        _listener.Bind(at);
        _listener.Listen(128);
        new Thread(AcceptLoop) { IsBackground = true, Name = "echo accept" }.Start();
    }

    public void Dispose() => _listener.Dispose();

    private void AcceptLoop()
    {
        while (true)
        {
            Socket connection;
            try
            {
                connection = _listener.Accept();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return;
            }

            connection.NoDelay = true;
            new Thread(() => Echo(connection)) { IsBackground = true, Name = "echo" }.Start();
        }
    }

    private static void Echo(Socket connection)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = connection.Receive(buffer)) > 0)
            {
                connection.Send(buffer.AsSpan(0, read));
            }
        }
        catch (SocketException)
        {
        }
        finally
        {
            connection.Dispose();
        }
    }
}

/// <summary>The stream-path measurements: first byte, 1-byte round trips, one iperf3 stream with the CPU it cost each end.</summary>
internal static class StreamPathProbes
{
    // Between connection attempts of the first-byte probe. Spinning would take a core of the two from the very process
    // whose start it times; 5 ms bounds the figure's resolution well below the 0.04–1 s it measures.
    private static readonly TimeSpan RetryPause = TimeSpan.FromMilliseconds(5);
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(3);
    private static readonly string[] ReverseOption = ["-R"];

    /// <summary>
    /// Starts the client side of a path and measures the time from that start until one byte sent to its local port came
    /// back from the echo server behind it: connecting as soon as it can, retrying on refusal, reset or close (as a
    /// program started right after it would), at most <paramref name="budget"/>. The client is stopped afterwards.
    /// </summary>
    /// <returns>Seconds, and the attempts that failed before the one that got its byte back.</returns>
    public static async Task<(double Seconds, int Retries)> FirstByteAsync(string ns, IPEndPoint local, Func<LabProcess> startClient, TimeSpan budget)
    {
        var start = Stopwatch.GetTimestamp();
        await using var client = startClient();
        var retries = 0;
        while (Stopwatch.GetElapsedTime(start) < budget)
        {
            if (await EchoesAsync(ns, local))
            {
                return (Stopwatch.GetElapsedTime(start).TotalSeconds, retries);
            }

            if (client.HasExited)
            {
                throw new InvalidOperationException("the client side ended before the first byte: " + client.Tail());
            }

            retries++;
            await Task.Delay(RetryPause);
        }

        throw new TimeoutException($"no byte echoed through {local} within {budget.TotalSeconds:F0} s ({retries} attempts): {client.Tail()}");
    }

    /// <summary>Whether one byte sent on a fresh connection to <paramref name="to"/> comes back (false on any refusal, reset, close or timeout).</summary>
    public static async Task<bool> EchoesAsync(string ns, IPEndPoint to)
    {
        using var socket = NetworkLab.NewSocket(ns);
        using var timeout = new CancellationTokenSource(AttemptTimeout);
        try
        {
            await socket.ConnectAsync(to, timeout.Token);
            await socket.SendAsync(new byte[] { 42 }, SocketFlags.None, timeout.Token);
            var buffer = new byte[1];
            return await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token) == 1 && buffer[0] == 42;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>
    /// 1-byte round trips on one connection from <paramref name="ns"/> to <paramref name="to"/> (an echo server), after
    /// <paramref name="warmup"/> uncounted ones: at most <paramref name="count"/>, and no more than fit in <paramref name="budget"/>.
    /// Blocking calls on a thread of its own, so the figure holds no thread-pool wake-up of the bench itself.
    /// </summary>
    /// <returns>Each round trip in microseconds, sorted.</returns>
    public static async Task<List<double>> RoundTripsAsync(string ns, IPEndPoint to, int warmup, int count, TimeSpan budget)
    {
        var run = Task.Factory.StartNew(() =>
        {
            using var socket = NetworkLab.NewSocket(ns);
            socket.ReceiveTimeout = (int)AttemptTimeout.TotalMilliseconds;
            socket.SendTimeout = (int)AttemptTimeout.TotalMilliseconds;
            socket.Connect(to);
            var one = new byte[] { 7 };
            var back = new byte[1];
            var times = new List<double>(count);
            var deadline = Stopwatch.StartNew();
            for (var i = 0; i < warmup + count && deadline.Elapsed < budget; i++)
            {
                var start = Stopwatch.GetTimestamp();
                socket.Send(one);
                if (socket.Receive(back) != 1)
                {
                    throw new IOException($"the echo through {to} closed after {i} round trips");
                }

                if (i >= warmup)
                {
                    times.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
                }
            }

            times.Sort();
            return times;
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        return await run.WaitAsync(budget + TimeSpan.FromSeconds(30));
    }

    /// <summary>One iperf3 stream's figures and the CPU both ends of the path spent while it ran.</summary>
    public sealed record IperfRun(double BitsPerSecond, long Bytes, double ClientCpuSeconds, double GatewayCpuSeconds);

    /// <summary>
    /// iperf3 TCP from the client namespace to <paramref name="to"/> for <paramref name="seconds"/> s, with
    /// <paramref name="streams"/> parallel streams (<c>-P</c>), server to client when <paramref name="reverse"/>
    /// (<c>-R</c>); the CPU seconds (user + system, every thread and child process) of the client-side and gateway-side
    /// processes of the path over the same run, from /proc deltas. Throughput and bytes are what the receiving end got
    /// (all streams).
    /// </summary>
    public static async Task<IperfRun> IperfAsync(string clientNs, IPEndPoint to, int seconds, int[] clientPids, int[] gatewayPids, int streams = 1, bool reverse = false)
    {
        var clientBefore = Cpu(clientPids);
        var gatewayBefore = Cpu(gatewayPids);
        var ran = await Tools.RunAsync(
            [.. NetworkLab.In(clientNs), "iperf3", "-c", to.Address.ToString(), "-p", to.Port.ToString(CultureInfo.InvariantCulture),
             "-t", seconds.ToString(CultureInfo.InvariantCulture), "-J", "--connect-timeout", "5000",
             "-P", streams.ToString(CultureInfo.InvariantCulture), .. reverse ? ReverseOption : []],
            TimeSpan.FromSeconds(seconds + 30));
        var clientCpu = Delta(clientBefore, Cpu(clientPids));
        var gatewayCpu = Delta(gatewayBefore, Cpu(gatewayPids));
        if (ran.ExitCode != 0)
        {
            throw new InvalidOperationException($"iperf3 through {to} failed ({ran.ExitCode}): {Shorten(ran.Output)} {Shorten(ran.Error)}");
        }

        using var json = JsonDocument.Parse(ran.Output);
        // A test that broke off (the control connection or the stream closed under it) may still exit 0, with an "error"
        // member and no totals.
        if (json.RootElement.TryGetProperty("error", out var error) || !json.RootElement.TryGetProperty("end", out var end)
            || !end.TryGetProperty("sum_received", out var received))
        {
            throw new InvalidOperationException($"iperf3 through {to} did not complete: {(error.ValueKind == JsonValueKind.String ? error.GetString() : Shorten(ran.Output))}");
        }

        return new(received.GetProperty("bits_per_second").GetDouble(), (long)received.GetProperty("bytes").GetDouble(), clientCpu, gatewayCpu);
    }

    /// <summary>Waits until process <paramref name="pid"/>'s network namespace has a TCP socket listening on <paramref name="port"/>.</summary>
    public static async Task WaitListeningAsync(LabProcess process, int port, TimeSpan budget)
    {
        // /proc/PID/net/tcp lists the sockets of the namespace PID is in; state 0A is LISTEN, the port is in hex.
        var local = ":" + port.ToString("X4", CultureInfo.InvariantCulture) + " ";
        var start = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(start) < budget)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException("ended before listening: " + process.Tail());
            }

            try
            {
                if (File.ReadLines($"/proc/{process.Pid}/net/tcp").Any(l => l.Contains(local, StringComparison.Ordinal) && l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[3] == "0A"))
                {
                    return;
                }
            }
            catch (IOException)
            {
            }

            await Task.Delay(RetryPause);
        }

        throw new TimeoutException($"nothing listening on port {port} after {budget.TotalSeconds:F0} s: {process.Tail()}");
    }

    private static Dictionary<int, double> Cpu(int[] roots)
    {
        var all = new Dictionary<int, double>();
        foreach (var root in roots)
        {
            foreach (var (pid, seconds) in Native.CpuSecondsOfTree(root))
            {
                all[pid] = seconds;
            }
        }

        return all;
    }

    // A process that started during the run counts from zero; one that ended during it is missing from "after" (its time is
    // lost unless its parent reaped it): the tunnel ends here keep their processes for the whole run.
    private static double Delta(Dictionary<int, double> before, Dictionary<int, double> after) =>
        after.Sum(p => p.Value - before.GetValueOrDefault(p.Key));

    private static string Shorten(string text) => text.Length <= 400 ? text.Trim() : text[..400].Trim() + "…";
}
