using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.Layer3;

/// <summary>
/// A UDP echo on the private network (<see cref="Layer3Lab.PrivateServerIp"/>:<see cref="Port"/>, a socket made inside
/// the private namespace) that records every datagram it receives, in arrival order: source address, the sequence
/// number in its first 8 bytes (little-endian), its length and when it was read. <see cref="FenceAsync"/> puts a marker
/// into the same receive queue, so "arrived after the fence" means "arrived after the moment the fence was sent",
/// whatever the reading thread's delays.
/// </summary>
public sealed class PrivateUdpServer : IAsyncDisposable
{
    public const int Port = 7000;

    /// <summary>Bound on a fence reaching the queue (loopback inside one namespace) and being read.</summary>
    private static readonly TimeSpan FenceTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The fence's sequence number; the test streams count up from 0 and never reach it.</summary>
    private const long FenceSequence = -1;

    private readonly NetworkNamespace _network;
    private readonly Socket _socket;
    private readonly List<Arrival> _arrivals = [];
    private readonly List<(int After, TaskCompletionSource<int> Seen)> _fenceWaiters = [];
    private readonly Task _receiving;

    /// <summary>One received datagram. <paramref name="Ticks"/> is <see cref="Stopwatch.GetTimestamp"/> when it was read.</summary>
    public readonly record struct Arrival(IPAddress Source, long Sequence, int Length, long Ticks)
    {
        public bool IsFence => Sequence == FenceSequence && Source.Equals(Layer3Lab.PrivateServerIp);
    }

    public PrivateUdpServer(NetworkNamespace privateNetwork)
    {
        ArgumentNullException.ThrowIfNull(privateNetwork);
        _network = privateNetwork;
        _socket = privateNetwork.CreateSocket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        // Room for a few seconds of a test stream while the reader is descheduled, so nothing is lost to the queue.
        _socket.ReceiveBufferSize = 4 * 1024 * 1024;
        // Bound to the address, not Any: an echo from a wildcard socket takes the route's source (the private end of the
        // gateway link, 198.18.10.2), which the gateway rightly drops as outside --tunnel-allow.
        _socket.Bind(new IPEndPoint(Layer3Lab.PrivateServerIp, Port));
        _receiving = Task.Run(ReceiveAsync);
    }

    /// <summary>Everything received so far, in arrival order.</summary>
    public IReadOnlyList<Arrival> Arrivals
    {
        get
        {
            lock (_arrivals)
            {
                return [.. _arrivals];
            }
        }
    }

    /// <summary>
    /// Sends a fence datagram to this server from inside the private namespace and returns its index in
    /// <see cref="Arrivals"/> once it has been read: every later index was queued after the fence was sent.
    /// </summary>
    public async Task<int> FenceAsync()
    {
        TaskCompletionSource<int> seen = new(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_arrivals)
        {
            _fenceWaiters.Add((_arrivals.Count, seen));
        }

        using (var sender = _network.CreateSocket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
        {
            sender.Bind(new IPEndPoint(Layer3Lab.PrivateServerIp, 0));
            var fence = new byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(fence, FenceSequence);
            await sender.SendToAsync(fence, new IPEndPoint(Layer3Lab.PrivateServerIp, Port));
        }

        return await seen.Task.WaitAsync(FenceTimeout);
    }

    private async Task ReceiveAsync()
    {
        var buffer = new byte[65536];
        EndPoint any = new IPEndPoint(IPAddress.Any, 0);
        while (true)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, any);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                return;
            }

            var source = (IPEndPoint)received.RemoteEndPoint;
            var sequence = received.ReceivedBytes >= 8 ? BinaryPrimitives.ReadInt64LittleEndian(buffer) : long.MinValue;
            var arrival = new Arrival(source.Address, sequence, received.ReceivedBytes, Stopwatch.GetTimestamp());
            lock (_arrivals)
            {
                _arrivals.Add(arrival);
                if (arrival.IsFence)
                {
                    for (var i = _fenceWaiters.Count - 1; i >= 0; i--)
                    {
                        if (_fenceWaiters[i].After < _arrivals.Count)
                        {
                            _fenceWaiters[i].Seen.TrySetResult(_arrivals.Count - 1);
                            _fenceWaiters.RemoveAt(i);
                        }
                    }

                    continue;
                }
            }

            try
            {
                await _socket.SendToAsync(buffer.AsMemory(0, received.ReceivedBytes), SocketFlags.None, source);
            }
            catch (SocketException)
            {
                // No route back (a kicked session's address, say): the echo is best effort, the record is what counts.
            }
            catch (ObjectDisposedException)
            {
                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _socket.Dispose();
        await _receiving.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
