using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.Layer3;

/// <summary>
/// Records, in arrival order, the source of every ICMP echo request that reaches the private network's host: a raw
/// ICMP socket made inside the private namespace gets a copy of each ICMP packet delivered there (the kernel still
/// answers the pings itself). <see cref="FenceAsync"/> works as <see cref="PrivateUdpServer.FenceAsync"/>: an echo request
/// the host sends itself, queued behind whatever arrived before it.
/// </summary>
public sealed class PrivateIcmpRecorder : IAsyncDisposable
{
    private const byte EchoRequest = 8;

    /// <summary>The fence's ICMP identifier. Only an echo request from the host's own address counts as a fence, so a
    /// ping (whose identifier is its process id, truncated to 16 bits) from a client never does.</summary>
    private const ushort FenceIdentifier = 0xFE4C;

    private static readonly TimeSpan FenceTimeout = TimeSpan.FromSeconds(10);

    private readonly Socket _socket;
    private readonly List<IPAddress> _requests = [];
    private readonly List<(int After, TaskCompletionSource<int> Seen)> _fenceWaiters = [];
    private readonly Task _receiving;

    public PrivateIcmpRecorder(NetworkNamespace privateNetwork)
    {
        ArgumentNullException.ThrowIfNull(privateNetwork);
        _socket = privateNetwork.CreateSocket(AddressFamily.InterNetwork, SocketType.Raw, ProtocolType.Icmp);
        _socket.ReceiveBufferSize = 1024 * 1024;
        _receiving = Task.Run(ReceiveAsync);
    }

    /// <summary>The source of each echo request received so far, in arrival order (fences included, from the host itself).</summary>
    public IReadOnlyList<IPAddress> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>Sends an echo request to the host itself; returns its index in <see cref="Requests"/> once read.</summary>
    public async Task<int> FenceAsync()
    {
        TaskCompletionSource<int> seen = new(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_requests)
        {
            _fenceWaiters.Add((_requests.Count, seen));
        }

        var request = new byte[8];
        request[0] = EchoRequest;
        BinaryPrimitives.WriteUInt16BigEndian(request.AsSpan(4), FenceIdentifier);
        BinaryPrimitives.WriteUInt16BigEndian(request.AsSpan(2), Checksum(request));
        await _socket.SendToAsync(request, new IPEndPoint(Layer3Lab.PrivateServerIp, 0));
        return await seen.Task.WaitAsync(FenceTimeout);
    }

    private async Task ReceiveAsync()
    {
        var buffer = new byte[65536];
        while (true)
        {
            int length;
            try
            {
                length = await _socket.ReceiveAsync(buffer, SocketFlags.None);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                return;
            }

            // A raw IPv4 socket gets the IP header too: its length is the low nibble of byte 0, in 32-bit words.
            var headerLength = (buffer[0] & 0x0F) * 4;
            if (length < headerLength + 8 || buffer[headerLength] != EchoRequest)
            {
                continue;
            }

            var source = new IPAddress(buffer.AsSpan(12, 4));
            var isFence = source.Equals(Layer3Lab.PrivateServerIp) && BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(headerLength + 4)) == FenceIdentifier;
            lock (_requests)
            {
                _requests.Add(source);
                if (isFence)
                {
                    for (var i = _fenceWaiters.Count - 1; i >= 0; i--)
                    {
                        if (_fenceWaiters[i].After < _requests.Count)
                        {
                            _fenceWaiters[i].Seen.TrySetResult(_requests.Count - 1);
                            _fenceWaiters.RemoveAt(i);
                        }
                    }
                }
            }
        }
    }

    /// <summary>The Internet checksum (RFC 1071) of an ICMP message whose checksum field is zero.</summary>
    private static ushort Checksum(ReadOnlySpan<byte> message)
    {
        uint sum = 0;
        for (var i = 0; i + 1 < message.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(message[i..]);
        }

        if (message.Length % 2 == 1)
        {
            sum += (uint)message[^1] << 8;
        }

        while (sum >> 16 != 0)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return (ushort)~sum;
    }

    public async ValueTask DisposeAsync()
    {
        _socket.Dispose();
        await _receiving.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
