using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;

namespace OpenSag.IntegrationTests.Layer3;

/// <summary>What a client sends to the private network in the layer-3 tests, from sockets in its namespace.</summary>
public static class Layer3Traffic
{
    /// <summary>Bound on one UDP echo round trip (a datagram lost on the way counts as a failure, not a retry).</summary>
    public static readonly TimeSpan EchoTimeout = TimeSpan.FromSeconds(5);

    public static IPEndPoint UdpServer => new(Layer3Lab.PrivateServerIp, PrivateUdpServer.Port);

    public static IPEndPoint TcpSink => new(Layer3Lab.PrivateServerIp, PrivateTcpSink.Port);

    /// <summary>
    /// Sends <paramref name="count"/> datagrams of <paramref name="size"/> bytes (sequence numbers
    /// <paramref name="firstSequence"/>…) one at a time to the private UDP echo, each waiting for its echo.
    /// </summary>
    /// <exception cref="TimeoutException">An echo did not come back within <see cref="EchoTimeout"/>.</exception>
    public static async Task EchoAsync(Socket socket, int count, int size, long firstSequence = 0)
    {
        ArgumentNullException.ThrowIfNull(socket);
        var datagram = new byte[size];
        var reply = new byte[size + 1];
        RandomNumberGenerator.Fill(datagram);
        for (var i = 0; i < count; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(datagram, firstSequence + i);
            await socket.SendToAsync(datagram, UdpServer);
            using var deadline = new CancellationTokenSource(EchoTimeout);
            try
            {
                var received = await socket.ReceiveAsync(reply, SocketFlags.None, deadline.Token);
                Assert.Equal(size, received);
                Assert.Equal(firstSequence + i, BinaryPrimitives.ReadInt64LittleEndian(reply));
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"UDP echo #{i} of {count} ({size} bytes) did not come back within {EchoTimeout.TotalSeconds} s");
            }
        }
    }

    /// <summary>
    /// Sends <paramref name="bytes"/> random bytes over TCP to the private sink from <paramref name="socket"/> (unconnected,
    /// in a client namespace), closes, and returns their SHA-256 (hex), to compare with what the sink reports.
    /// </summary>
    public static async Task<string> SendToSinkAsync(Socket socket, int bytes, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(socket);
        using var deadline = new CancellationTokenSource(timeout);
        var data = RandomNumberGenerator.GetBytes(bytes);
        await socket.ConnectAsync(TcpSink, deadline.Token);
        for (var sent = 0; sent < bytes;)
        {
            sent += await socket.SendAsync(data.AsMemory(sent, Math.Min(64 * 1024, bytes - sent)), SocketFlags.None, deadline.Token);
        }

        socket.Shutdown(SocketShutdown.Send);
        return Convert.ToHexString(SHA256.HashData(data));
    }

    /// <summary>
    /// Sends sequence-numbered datagrams of <paramref name="size"/> bytes to the private UDP server from
    /// <paramref name="socket"/>, <paramref name="perTick"/> every <paramref name="tick"/>, until <paramref name="stop"/>,
    /// and returns how many it sent (a send refused locally, e.g. once the TUN is gone, is not counted). Echoes are
    /// counted into <paramref name="echoes"/> by a reader running beside it.
    /// </summary>
    public static async Task<int> StreamAsync(Socket socket, int size, int perTick, TimeSpan tick, StrongBox<int> echoes, CancellationToken stop)
    {
        ArgumentNullException.ThrowIfNull(socket);
        ArgumentNullException.ThrowIfNull(echoes);
        var reading = CountEchoesAsync(socket, size, echoes, stop);
        var datagram = new byte[size];
        var sent = 0;
        long sequence = 0;
        using var timer = new PeriodicTimer(tick);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                for (var i = 0; i < perTick; i++)
                {
                    BinaryPrimitives.WriteInt64LittleEndian(datagram, sequence++);
                    try
                    {
                        await socket.SendToAsync(datagram, SocketFlags.None, UdpServer, stop);
                        sent++;
                    }
                    catch (SocketException)
                    {
                        // No route any more (the client removed its interface): the stream goes on trying.
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        await reading;
        return sent;
    }

    private static async Task CountEchoesAsync(Socket socket, int size, StrongBox<int> echoes, CancellationToken stop)
    {
        var buffer = new byte[size + 1];
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await socket.ReceiveAsync(buffer, SocketFlags.None, stop);
                Interlocked.Increment(ref echoes.Value);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (SocketException)
            {
                // An ICMP error for an earlier datagram surfaces here on Linux; the stream goes on.
            }
        }
    }
}
