using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;

namespace OpenSag.Bench;

/// <summary>
/// <c>connection-flood</c>. Issue 9 item 8's attack: idle TLS connections to the gateway, first from one source address,
/// then from as many as it takes, each held open until the server refuses one (closes it before the handshake). Figures:
/// connections held before refusal, per address and in all, and how long <c>/healthz</c> and a signed API call take
/// while the gateway is full. The full run uses the server's defaults (the total derived from its open-file limit); the
/// smoke run gives small caps.
/// </summary>
internal static partial class Scenarios
{
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);

    public static async Task<List<Result>> ConnectionFloodAsync(Scale scale)
    {
        var (perAddress, total) = scale.Smoke ? (20, 50) : (512, (int?)null);
        string[] caps = scale.Smoke
            ? ["--gateway-max-connections-per-address", "20", "--gateway-max-connections", "50"]
            : [];
        await using var server = await ServerProcess.StartAsync(shaping: true, caps: caps);
        var expectedTotal = total ?? DefaultTotalCap(server.Pid);
        var held = new List<SslStream>();
        try
        {
            var one = await HoldUntilRefusedAsync(server.GatewayPort, new IPAddress([127, 0, 3, 1]), held, perAddress + 1);
            // Then more addresses, four filled at a time (each until refused), until one is refused below its own cap: the
            // total cap. Four at a time so that the whole flood is held well within Kestrel's 130 s keep-alive timeout,
            // which would start closing the first idle connections.
            var next = 1;
            var addresses = 1;
            var full = false;
            await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
            {
                while (!Volatile.Read(ref full) && Interlocked.Increment(ref next) is var n && n <= 250)
                {
                    Interlocked.Increment(ref addresses);
                    var mine = new List<SslStream>();
                    if (await HoldUntilRefusedAsync(server.GatewayPort, new IPAddress([127, 0, 3, (byte)n]), mine, perAddress + 1) < perAddress)
                    {
                        Volatile.Write(ref full, true);
                    }

                    lock (held)
                    {
                        held.AddRange(mine);
                    }
                }
            }));

            using var api = new ApiClient(server.ApiPort, 4);
            var watch = Stopwatch.StartNew();
            using (var health = await api.Http.GetAsync("/healthz").WaitAsync(TimeSpan.FromSeconds(30)))
            {
                health.EnsureSuccessStatusCode();
            }

            var healthMs = watch.Elapsed.TotalMilliseconds;
            watch.Restart();
            await api.CallAsync("DescribeSmartAccessGateways", ("RegionId", ApiClient.Region)).WaitAsync(TimeSpan.FromSeconds(30));
            var signedMs = watch.Elapsed.TotalMilliseconds;
            return
            [
                new("connections held before refusal, one source address", $"{F(one)} held, the next refused", "-", null,
                    $"= per-address cap ({F(perAddress)})", one == perAddress),
                new("connections held before refusal, all sources", $"{F(held.Count)} held (from {addresses} addresses tried), the next refused; meanwhile /healthz {F(healthMs, "F1")} ms, signed DescribeSmartAccessGateways {F(signedMs, "F1")} ms",
                    "-", null, $"= total cap ({F(expectedTotal)}); API answers", held.Count == expectedTotal),
            ];
        }
        finally
        {
            foreach (var stream in held)
            {
                await stream.DisposeAsync();
            }
        }
    }

    /// <summary>The server's default total cap, from its open-file limit as it derives it (GatewayConnectionCaps.DefaultTotal):
    /// the soft limit less a reserve of min(1024, limit / 2).</summary>
    private static int DefaultTotalCap(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/limits").First(l => l.StartsWith("Max open files", StringComparison.Ordinal));
        var limit = long.Parse(line["Max open files".Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries)[0], System.Globalization.CultureInfo.InvariantCulture);
        return (int)(limit - Math.Min(1024, limit / 2));
    }

    /// <summary>Opens TLS connections from <paramref name="source"/> until one is refused (or <paramref name="most"/> are
    /// held); returns how many were held.</summary>
    private static async Task<int> HoldUntilRefusedAsync(int gatewayPort, IPAddress source, List<SslStream> held, int most)
    {
        for (var i = 0; i < most; i++)
        {
            if (await TryHoldAsync(gatewayPort, source) is not { } stream)
            {
                return i;
            }

            held.Add(stream);
        }

        return most;
    }

    private static async Task<SslStream?> TryHoldAsync(int gatewayPort, IPAddress source)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        SslStream? tls = null;
        using var timeout = new CancellationTokenSource(HandshakeTimeout);
        try
        {
            socket.Bind(new IPEndPoint(source, 0));
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, gatewayPort), timeout.Token);
            tls = new SslStream(new NetworkStream(socket, ownsSocket: true));
            // Loopback benchmark against the server it started: nothing to verify.
#pragma warning disable CA5359
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "127.0.0.1",
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
                ApplicationProtocols = [SslApplicationProtocol.Http11],
            }, timeout.Token);
#pragma warning restore CA5359
            return tls;
        }
        catch (Exception e) when (e is IOException or AuthenticationException or SocketException or OperationCanceledException)
        {
            if (tls is not null)
            {
                await tls.DisposeAsync();
            }

            socket.Dispose();
            return null;
        }
    }
}
