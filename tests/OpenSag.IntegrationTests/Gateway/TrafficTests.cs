using System.Diagnostics;
using System.Net.Sockets;
using System.Security.Cryptography;
using OpenSag.IntegrationTests.Support;
using Xunit.Abstractions;

namespace OpenSag.IntegrationTests.Gateway;

/// <summary>
/// The user's Bandwidth is enforced and its traffic counted (issue 3 §6): a 2,000 Kbit/s user downloads at
/// 250,000 B/s ± 10 % (and a 20,000 Kbit/s one at 2,500,000 B/s), and DescribeUserFlowStatistics reports
/// exactly the bytes tunnelled, across a restart.
/// </summary>
[Collection(SerialGatewayTests.Name)]
public sealed class TrafficTests(ITestOutputHelper output)
{
    /// <summary>The flow counters are written every 2 s (GatewayOptions.FlowFlushInterval).</summary>
    private static readonly TimeSpan FlowDeadline = TimeSpan.FromSeconds(10);

    /// <summary>
    /// 2,000 Kbit/s is the case; 20,000 Kbit/s (the API's maximum) is there because a bucket that holds
    /// no more than one relay chunk wastes most of a fast user's refills. The first second's worth of bytes is
    /// warm-up (the bucket's initial burst, TCP, and the JIT of two freshly started processes); the rate is the
    /// least-squares slope of bytes received over time across the next six seconds' worth. A slope, unlike two
    /// end points, is barely moved by a short scheduling stall and its catch-up (up to ~0.7 s was seen with
    /// four busy processes on a 2-core machine), while a shaper off by more than 10 % moves every sample.
    /// </summary>
    [Theory]
    [InlineData(2_000)]
    [InlineData(20_000)]
    public async Task Download_UserBandwidthLimit_RateWithinTenPercent(int kilobitsPerSecond)
    {
        var expected = kilobitsPerSecond * 1000 / 8.0; // B/s: 250,000 for 2,000 Kbit/s
        var warmUp = (int)expected;
        var total = warmUp + (int)(6 * expected);
        // Four times the expected duration: a shaper at a third of its rate still finishes and gets measured.
        var stall = TimeSpan.FromSeconds(4 * total / expected);

        await using var scenario = await GatewayScenario.StartAsync();
        await using var source = new ByteSourceServer(total);
        var smartAgId = await scenario.CreateInstanceAsync();
        await scenario.CreateUserAsync(smartAgId, "nina-shaped", kilobitsPerSecond);
        var client = await scenario.ConnectOnlineAsync(smartAgId, "nina-shaped", [source.Destination]);

        using var socket = await TunnelTraffic.ConnectAsync(client.ForwardPorts[0]);
        var buffer = new byte[64 * 1024];
        var received = 0;
        var clock = Stopwatch.StartNew();
        var samples = new List<(double Seconds, double Bytes)>();
        var longestGap = TimeSpan.Zero;
        var previous = TimeSpan.Zero;
        using var cancel = new CancellationTokenSource(stall);
        try
        {
            while (true)
            {
                var read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancel.Token).AsTask().WaitAsync(stall);
                if (read == 0)
                {
                    break;
                }

                received += read;
                var now = clock.Elapsed;
                if (received > warmUp)
                {
                    samples.Add((now.TotalSeconds, received));
                    longestGap = now - previous > longestGap ? now - previous : longestGap;
                }

                previous = now;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException)
        {
            Assert.Fail($"the download did not finish in {stall.TotalSeconds:0} s: {received} of {total} bytes, {received / clock.Elapsed.TotalSeconds:0} B/s on average where {expected:0} B/s was expected.\n{client.Output}");
        }

        var rate = Slope(samples);
        var span = samples[^1].Seconds - samples[0].Seconds;
        output.WriteLine($"{kilobitsPerSecond} Kbit/s: {samples.Count} reads over {span:0.00} s after the first {warmUp} bytes: {rate:0} B/s ({rate / expected:P1} of {expected:0} B/s); "
            + $"end to end {(samples[^1].Bytes - samples[0].Bytes) / span:0} B/s; longest pause between reads {longestGap.TotalMilliseconds:0} ms.");

        Assert.Equal(total, received);
        Assert.InRange(rate, expected * 0.9, expected * 1.1);
    }

    [Fact]
    public async Task FlowStatistics_BytesTunnelledBothWays_ReportedExactlyAndKeptAcrossRestart()
    {
        await using var scenario = await GatewayScenario.StartAsync();
        var smartAgId = await scenario.CreateInstanceAsync();
        const string user = "omar-counted";
        await scenario.CreateUserAsync(smartAgId, user);
        Assert.Equal((0L, 0L), await scenario.FlowAsync(smartAgId, user));
        var client = await scenario.ConnectOnlineAsync(smartAgId, user, [scenario.Echo.Destination]);
        var payload = RandomNumberGenerator.GetBytes(1_000_000);

        var back = await TunnelTraffic.RoundTripAsync(client.ForwardPorts[0], payload, TimeSpan.FromSeconds(30));
        Assert.Equal(payload.Length, back.Length);

        // Echoed: what went towards the network (TotalBytes) came back (TotalLeaveBytes), nothing else crossed.
        long n = payload.Length;
        await Polling.UntilAsync(() => scenario.FlowAsync(smartAgId, user), f => f == (n, n), FlowDeadline,
            $"DescribeUserFlowStatistics shows TotalBytes = TotalLeaveBytes = {n}");

        // Without its gateway the client would only retry; a graceful server stop also flushes the counters.
        await client.KillAsync();
        await scenario.Server.RestartAsync().WaitAsync(OpenSagServer.StartTimeout + OpenSagServer.StopTimeout);

        Assert.Equal((n, n), await scenario.FlowAsync(smartAgId, user));
    }

    /// <summary>Least-squares slope of bytes over seconds: the steady rate the samples follow.</summary>
    private static double Slope(List<(double Seconds, double Bytes)> samples)
    {
        Assert.True(samples.Count >= 2, $"too few samples ({samples.Count}) to measure a rate");
        var meanT = samples.Average(s => s.Seconds);
        var meanB = samples.Average(s => s.Bytes);
        var covariance = samples.Sum(s => (s.Seconds - meanT) * (s.Bytes - meanB));
        var variance = samples.Sum(s => (s.Seconds - meanT) * (s.Seconds - meanT));
        return covariance / variance;
    }
}
