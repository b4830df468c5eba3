using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace OpenSag.Bench;

/// <summary>The reference points each figure is divided by, measured in the same run on the same machine.</summary>
internal static class Ceilings
{
    /// <summary>Kestrel answering a constant string, in this process.</summary>
    public static async Task<(WebApplication App, int Port)> StartConstantAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.MapGet("/", () => Results.Text("{\"RequestId\":\"00000000-0000-0000-0000-000000000000\"}", "application/json"));
        await app.StartAsync();
        var port = new Uri(app.Urls.First()).Port;
        return (app, port);
    }

    /// <summary>
    /// Child-process mode (<c>--hold-tls</c>): Kestrel with a TLS listener whose connections stay idle after the handshake,
    /// so the parent can divide the RSS growth by the connection count. Prints the port, then runs until killed.
    /// </summary>
    public static async Task<int> HoldTlsAsync()
    {
        using var certificate = ThrowAwayCertificate();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.KeepAliveTimeout = TimeSpan.FromHours(1);
            k.Limits.RequestHeadersTimeout = TimeSpan.FromHours(1);
            k.Limits.MaxConcurrentConnections = null;
            k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(certificate));
        });
        var app = builder.Build();
        app.MapGet("/", () => "ok");
        await app.StartAsync();
        Console.WriteLine("PORT " + new Uri(app.Urls.First()).Port);
        await app.WaitForShutdownAsync();
        return 0;
    }

    /// <summary>A self-signed ECDSA P-256 certificate for "localhost", valid a day either side, for loopback ceilings only.</summary>
    public static X509Certificate2 ThrowAwayCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        using var ephemeral = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        // Re-imported so that SslStream on Linux gets a certificate whose private key it can use.
        return X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>Opens TLS connections (handshake done, then idle) from several source addresses.</summary>
    public static async Task<List<SslStream>> OpenTlsAsync(int port, int count, int parallel, CancellationToken cancellationToken)
    {
        var streams = new List<SslStream>(count);
        var next = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = parallel, CancellationToken = cancellationToken }, async (i, ct) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            var n = Interlocked.Increment(ref next) % ControlClientFactory.SourceAddresses;
            socket.Bind(new IPEndPoint(new IPAddress([127, 0, 2, (byte)(n + 1)]), 0));
            await socket.ConnectAsync(IPAddress.Loopback, port, ct);
            // Loopback benchmark against our own throw-away certificate: nothing to verify.
#pragma warning disable CA5359
            var ssl = new SslStream(new NetworkStream(socket, ownsSocket: true), false, (_, _, _, _) => true);
#pragma warning restore CA5359
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost", ApplicationProtocols = [SslApplicationProtocol.Http11] }, ct);
            lock (streams)
            {
                streams.Add(ssl);
            }
        });
        return streams;
    }
}

/// <summary>A TCP sink on loopback: reads and discards, counting bytes (the far end of direct and tunnelled streams).</summary>
internal sealed class TcpSink : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private long _bytes;

    public TcpSink()
    {
        _listener.Start(1024);
        _ = AcceptLoopAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public long Bytes => Interlocked.Read(ref _bytes);

    private async Task AcceptLoopAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptSocketAsync();
                _ = DrainAsync(client);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }

    private async Task DrainAsync(Socket socket)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var read = await socket.ReceiveAsync(buffer);
                if (read == 0)
                {
                    break;
                }

                Interlocked.Add(ref _bytes, read);
            }
        }
        catch (SocketException)
        {
        }
        finally
        {
            socket.Dispose();
        }
    }

    public void Dispose() => _listener.Stop();
}
