using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace OpenSag.IntegrationTests.Gateway;

/// <summary>What a test does with a tunnel: push bytes through a local port to the echo service and check what comes back.</summary>
public static class TunnelTraffic
{
    /// <summary>Bound on a small echo round trip, and on connecting to a local port.</summary>
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Sends <paramref name="payload"/> to the echo service behind <paramref name="localPort"/>, half-closes,
    /// and reads until end of stream (so the tunnel must carry the half-close both ways). Returns what came back.
    /// </summary>
    public static async Task<byte[]> RoundTripAsync(int localPort, byte[] payload, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(payload);
        using var socket = await ConnectAsync(localPort);
        return await RoundTripAsync(socket, payload, timeout);
    }

    /// <summary>The same over an already connected socket (e.g. after a SOCKS5 handshake).</summary>
    public static async Task<byte[]> RoundTripAsync(Socket socket, byte[] payload, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(socket);
        ArgumentNullException.ThrowIfNull(payload);
        using var cancel = new CancellationTokenSource(timeout);
        var sending = SendAllAsync(socket, payload, cancel.Token);
        var received = new MemoryStream(payload.Length);
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancel.Token).AsTask().WaitAsync(timeout);
                if (read == 0)
                {
                    break;
                }

                received.Write(buffer, 0, read);
            }

            await sending.WaitAsync(timeout);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"the echo round trip of {payload.Length} bytes did not finish within {timeout.TotalSeconds} s ({received.Length} bytes back)");
        }

        return received.ToArray();
    }

    /// <summary>
    /// Whether a small payload sent through <paramref name="localPort"/> comes back within <paramref name="timeout"/>.
    /// False when the port refuses, the connection ends or resets, or nothing comes back in time.
    /// </summary>
    public static async Task<bool> EchoesAsync(int localPort, TimeSpan timeout)
    {
        var payload = RandomNumberGenerator.GetBytes(1024);
        try
        {
            using var socket = await ConnectAsync(localPort);
            using var cancel = new CancellationTokenSource(timeout);
            await SendAllAsync(socket, payload, cancel.Token).WaitAsync(timeout);
            var back = new byte[payload.Length];
            var total = 0;
            while (total < back.Length)
            {
                var read = await socket.ReceiveAsync(back.AsMemory(total), SocketFlags.None, cancel.Token).AsTask().WaitAsync(timeout);
                if (read == 0)
                {
                    return false;
                }

                total += read;
            }

            return back.AsSpan().SequenceEqual(payload);
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException or TimeoutException)
        {
            return false;
        }
    }

    /// <summary>
    /// Whether a small payload sent on an open connection (a live stream) comes back within <paramref name="timeout"/>.
    /// False when the connection ends or resets, or nothing comes back in time.
    /// </summary>
    public static async Task<bool> EchoesAsync(Socket socket, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(socket);
        var payload = RandomNumberGenerator.GetBytes(64);
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await socket.SendAsync(payload, SocketFlags.None, cancel.Token);
            var back = new byte[payload.Length];
            for (var total = 0; total < back.Length;)
            {
                var read = await socket.ReceiveAsync(back.AsMemory(total), SocketFlags.None, cancel.Token);
                if (read == 0)
                {
                    return false;
                }

                total += read;
            }

            return back.AsSpan().SequenceEqual(payload);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Whether an open connection ends (end of stream or reset) within <paramref name="timeout"/>; false if it is still open then.</summary>
    public static async Task<bool> EndsAsync(Socket socket, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(socket);
        using var cancel = new CancellationTokenSource(timeout);
        var buffer = new byte[1024];
        try
        {
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, cancel.Token) > 0)
            {
            }

            return true;
        }
        catch (SocketException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public static async Task<Socket> ConnectAsync(int localPort)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, localPort)).WaitAsync(ProbeTimeout);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static async Task SendAllAsync(Socket socket, byte[] payload, CancellationToken cancellationToken)
    {
        const int chunk = 64 * 1024;
        for (var offset = 0; offset < payload.Length; offset += chunk)
        {
            await socket.SendAsync(payload.AsMemory(offset, Math.Min(chunk, payload.Length - offset)), SocketFlags.None, cancellationToken);
        }

        socket.Shutdown(SocketShutdown.Send);
    }
}
