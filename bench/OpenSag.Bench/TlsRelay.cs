using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace OpenSag.Bench;

/// <summary>
/// The least a secure gateway must do with a tunnelled byte, as a reference for the tunnel figures: a TLS-terminating
/// TCP relay on loopback (one TLS connection per stream, decrypted and copied to the sink in 64 KiB reads), with no
/// HTTP/2, no WebSocket framing and no shaping. Dividing the gateway's rate by this one separates what TLS itself
/// costs on this machine from what our transport adds.
/// </summary>
internal sealed class TlsRelay : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly X509Certificate2 _certificate;
    private readonly int _sinkPort;

    public TlsRelay(int sinkPort)
    {
        _sinkPort = sinkPort;
        _certificate = Ceilings.ThrowAwayCertificate();
        _listener.Start(1024);
        _ = AcceptLoopAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>A client stream through the relay, handshake done.</summary>
    public async Task<SslStream> ConnectAsync(CancellationToken cancellationToken)
    {
        var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, Port, cancellationToken);
        // Loopback benchmark against our own throw-away certificate: nothing to verify.
#pragma warning disable CA5359
        var ssl = new SslStream(client.GetStream(), false, (_, _, _, _) => true);
#pragma warning restore CA5359
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost" }, cancellationToken);
        return ssl;
    }

    public void Dispose()
    {
        _listener.Dispose();
        _certificate.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        try
        {
            while (true)
            {
                var socket = await _listener.AcceptSocketAsync();
                _ = RelayAsync(socket);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }

    private async Task RelayAsync(Socket socket)
    {
        try
        {
            await using var ssl = new SslStream(new NetworkStream(socket, ownsSocket: true));
            await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _certificate });
            using var sink = new TcpClient();
            await sink.ConnectAsync(IPAddress.Loopback, _sinkPort);
            await ssl.CopyToAsync(sink.GetStream(), 64 * 1024);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or System.Security.Authentication.AuthenticationException)
        {
        }
    }
}
