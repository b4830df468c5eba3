using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Threading.Channels;
using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.Layer3;

/// <summary>
/// A TCP sink on the private network (<see cref="Layer3Lab.PrivateServerIp"/>:<see cref="Port"/>, a listener made inside
/// the private namespace): reads each connection to its end and reports who sent it (the peer address as the private
/// network saw it), how many bytes and their SHA-256.
/// </summary>
public sealed class PrivateTcpSink : IAsyncDisposable
{
    public const int Port = 7001;

    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Channel<Received> _received = Channel.CreateUnbounded<Received>();
    private readonly Task _accepting;

    /// <summary>One connection read to its end.</summary>
    public sealed record Received(IPAddress Peer, long Bytes, string Sha256);

    public PrivateTcpSink(NetworkNamespace privateNetwork)
    {
        ArgumentNullException.ThrowIfNull(privateNetwork);
        _listener = privateNetwork.CreateSocket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Any, Port));
        _listener.Listen();
        _accepting = Task.Run(AcceptAsync);
    }

    /// <summary>The next connection that ended, waited for within <paramref name="timeout"/>.</summary>
    public async Task<Received> NextAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            return await _received.Reader.ReadAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"no connection to the private TCP sink ended within {timeout.TotalSeconds} s");
        }
    }

    private async Task AcceptAsync()
    {
        while (true)
        {
            Socket connection;
            try
            {
                connection = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                return;
            }

            _ = ReadToEndAsync(connection);
        }
    }

    private async Task ReadToEndAsync(Socket connection)
    {
        using (connection)
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[64 * 1024];
            long total = 0;
            try
            {
                int read;
                while ((read = await connection.ReceiveAsync(buffer, SocketFlags.None, _stop.Token)) > 0)
                {
                    hash.AppendData(buffer, 0, read);
                    total += read;
                }
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
            {
                return;
            }

            var peer = ((IPEndPoint)connection.RemoteEndPoint!).Address;
            _received.Writer.TryWrite(new Received(peer, total, Convert.ToHexString(hash.GetHashAndReset())));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        await _accepting.WaitAsync(TimeSpan.FromSeconds(10));
        _stop.Dispose();
    }
}
