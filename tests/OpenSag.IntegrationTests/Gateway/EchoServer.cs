using System.Net;
using System.Net.Sockets;

namespace OpenSag.IntegrationTests.Gateway;

/// <summary>A TCP echo service on 127.0.0.1:0: the "private network" host that tunnels reach in tests.</summary>
public sealed class EchoServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public EchoServer()
    {
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public string Destination => $"127.0.0.1:{Port}";

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = EchoAsync(client);
        }
    }

    private async Task EchoAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                await client.GetStream().CopyToAsync(client.GetStream(), _stop.Token);
                client.Client.Shutdown(SocketShutdown.Send);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or SocketException or ObjectDisposedException)
            {
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        // The accept loop ends as soon as the listener stops; the bound only keeps a broken test from hanging.
        await _accepting.WaitAsync(TimeSpan.FromSeconds(10));
        _stop.Dispose();
    }
}
