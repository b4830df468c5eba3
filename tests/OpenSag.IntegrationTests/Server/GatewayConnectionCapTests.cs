using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.Server;

/// <summary>
/// The gateway listener caps concurrent connections per source address and in total, before the TLS handshake, and
/// keeps file descriptors in reserve so the API still answers while the gateway is flooded (issue 9 item 8).
/// A connection counts as held when its TLS handshake completes; a refused one is closed before that.
/// </summary>
public sealed class GatewayConnectionCapTests
{
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan FloodTimeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Gateway_PerAddressCapReached_RefusesThatAddressButNotAnother()
    {
        await using var server = await OpenSagServer.StartWithRandomKeysAsync("--gateway-max-connections-per-address", "3");
        var policy = TrustOnly(server.GatewayCertificatePath);
        var held = new List<SslStream>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                held.Add(await TryHoldAsync(server, IPAddress.Loopback, policy) ?? throw new InvalidOperationException($"connection {i + 1} of 3 from 127.0.0.1 was refused.\n{server.Output}"));
            }

            using (var fourth = await TryHoldAsync(server, IPAddress.Loopback, policy))
            {
                Assert.True(fourth is null, "a 4th connection from 127.0.0.1 was held with --gateway-max-connections-per-address 3.");
            }

            // The operator is told (once a minute, so a flood cannot flood the log).
            await Polling.UntilAsync(() => Task.FromResult(server.Output), o => o.Contains("refused: connection cap reached", StringComparison.Ordinal), RequestTimeout,
                "a warning that the connection cap was reached");

            var other = await TryHoldAsync(server, IPAddress.Parse("127.0.0.2"), policy);
            Assert.True(other is not null, $"a connection from 127.0.0.2 was refused while 127.0.0.1 was at its cap.\n{server.Output}");
            held.Add(other);

            // Closing one frees its place (the server sees the close asynchronously, hence the polling).
            await held[0].DisposeAsync();
            held.RemoveAt(0);
            held.Add((await Polling.UntilAsync(() => TryHoldAsync(server, IPAddress.Loopback, policy), s => s is not null, RequestTimeout,
                "a connection from 127.0.0.1 after one of its 3 closed"))!);
        }
        finally
        {
            foreach (var stream in held)
            {
                await stream.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Gateway_FloodedUpToDefaultCap_RefusesThenHealthzAndSignedApiStillAnswer()
    {
        // Open-file limit 1024: the default cap is 1024 − min(1024, 1024 / 2) = 512, and 512 descriptors stay in reserve
        // (an idle server uses about 240 of them). Without a cap, a flood takes every descriptor and the API stops
        // accepting.
        const int OpenFileLimit = 1024;
        const int ExpectedCap = 512;
        const int MaxAttempts = 1200;
        await using var server = await OpenSagServer.StartInShellAsync($"ulimit -n {OpenFileLimit}");
        var policy = TrustOnly(server.GatewayCertificatePath);
        var held = new List<SslStream>();
        try
        {
            await FloodAsync().WaitAsync(FloodTimeout);
            Assert.True(held.Count == ExpectedCap, $"{held.Count} connections were held before the first refusal, not {ExpectedCap}.\n{server.Output}");

            using var http = new HttpClient { Timeout = RequestTimeout };
            using var health = await http.GetAsync(new Uri(server.Endpoint, "/healthz"));
            Assert.True(health.IsSuccessStatusCode, $"/healthz answered {(int)health.StatusCode} while the gateway was at its cap.");
            using var rpc = new SignedRpcClient(server);
            var (status, body) = await rpc.CallAsync("DescribeSmartAccessGateways", new Dictionary<string, string> { ["RegionId"] = "cn-flood" }).WaitAsync(RequestTimeout);
            Assert.True(status == 200, $"a signed DescribeSmartAccessGateways answered {status} while the gateway was at its cap: {body}\n{server.Output}");
        }
        finally
        {
            foreach (var stream in held)
            {
                await stream.DisposeAsync();
            }
        }

        async Task FloodAsync()
        {
            for (var i = 0; i < MaxAttempts; i++)
            {
                if (await TryHoldAsync(server, IPAddress.Loopback, policy) is not { } stream)
                {
                    return;
                }

                held.Add(stream);
            }
        }
    }

    /// <summary>Trust exactly the gateway's own certificate, as <c>connect --ca-file</c> does.</summary>
    private static X509ChainPolicy TrustOnly(string certificatePath)
    {
        var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
        policy.CustomTrustStore.ImportFromPemFile(certificatePath);
        return policy;
    }

    /// <summary>A TLS connection to the gateway from <paramref name="source"/>, or null if the server closed it, failed
    /// the handshake or did not finish it within <see cref="HandshakeTimeout"/>.</summary>
    private static async Task<SslStream?> TryHoldAsync(OpenSagServer server, IPAddress source, X509ChainPolicy policy)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        SslStream? tls = null;
        using var timeout = new CancellationTokenSource(HandshakeTimeout);
        try
        {
            socket.Bind(new IPEndPoint(source, 0));
            await socket.ConnectAsync(IPEndPoint.Parse(server.GatewayAddress), timeout.Token);
            tls = new SslStream(new NetworkStream(socket, ownsSocket: true));
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "127.0.0.1",
                CertificateChainPolicy = policy,
                ApplicationProtocols = [SslApplicationProtocol.Http11],
            }, timeout.Token);
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
