using System.Net;
using System.Net.Sockets;

namespace OpenSag.IntegrationTests.Gateway;

/// <summary>
/// A TCP service on 127.0.0.1:0 that sends <see cref="Count"/> bytes to every connection as fast as TCP takes
/// them, then closes: a download whose speed only the gateway's shaping limits.
/// </summary>
public sealed class ByteSourceServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public ByteSourceServer(int count)
    {
        Count = count;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Count { get; }

    public string Destination => $"127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = SendAsync(client);
        }
    }

    private async Task SendAsync(Socket client)
    {
        using (client)
        {
            var chunk = new byte[64 * 1024];
            try
            {
                for (var sent = 0; sent < Count; sent += chunk.Length)
                {
                    await client.SendAsync(chunk.AsMemory(0, Math.Min(chunk.Length, Count - sent)), SocketFlags.None, _stop.Token);
                }

                client.Shutdown(SocketShutdown.Send);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
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
