using System.Net;
using System.Net.Sockets;
using OpenSag.Gateway.DataChannel;

namespace OpenSag.Gateway.Tests.DataChannel;

/// <summary>
/// UDP segmentation of the data channel's sends (<see cref="DatagramBatch"/>), over loopback: whatever is batched,
/// the receiver gets the same datagrams, each whole, in order, with the same boundaries as one send per datagram.
/// </summary>
public sealed class DatagramBatchTests
{
    private const int Segment = 100;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Add_BurstOfFullSegmentsThenShortOne_ReceivedAsTheSameDatagrams()
    {
        using var pair = new LoopbackPair();
        var batch = new DatagramBatch(pair.Sender, Segment);
        Assert.True(batch.Offloaded, "UDP_SEGMENT (Linux 4.18) is refused on loopback");
        byte[][] sent = [Datagram(1, Segment), Datagram(2, Segment), Datagram(3, Segment), Datagram(4, 37)];
        foreach (var datagram in sent)
        {
            _ = batch.Add(datagram, pair.Destination);
        }

        // The short one ended the burst: all four are sent without a flush.
        foreach (var expected in sent)
        {
            Assert.Equal(expected, await pair.ReceiveAsync());
        }
    }

    [Fact]
    public async Task Flush_FullSegmentsOnly_SentOnFlushNotBefore()
    {
        using var pair = new LoopbackPair();
        var batch = new DatagramBatch(pair.Sender, Segment);
        Assert.True(batch.Add(Datagram(1, Segment), pair.Destination));
        Assert.True(batch.Add(Datagram(2, Segment), pair.Destination));
        Assert.Equal(0, pair.Receiver.Available);

        batch.Flush();
        Assert.Equal(Datagram(1, Segment), await pair.ReceiveAsync());
        Assert.Equal(Datagram(2, Segment), await pair.ReceiveAsync());
    }

    [Fact]
    public async Task Add_LongerThanASegment_ArrivesWholeAfterWhatWasQueued()
    {
        using var pair = new LoopbackPair();
        var batch = new DatagramBatch(pair.Sender, Segment);
        _ = batch.Add(Datagram(1, Segment), pair.Destination);
        _ = batch.Add(Datagram(2, Segment * 3 + 5), pair.Destination);
        _ = batch.Add(Datagram(3, Segment), pair.Destination);
        batch.Flush();

        Assert.Equal(Datagram(1, Segment), await pair.ReceiveAsync());
        Assert.Equal(Datagram(2, Segment * 3 + 5), await pair.ReceiveAsync());
        Assert.Equal(Datagram(3, Segment), await pair.ReceiveAsync());
    }

    [Fact]
    public async Task Add_NewDestination_QueuedDatagramsGoToTheirOwn()
    {
        using var first = new LoopbackPair();
        using var second = new LoopbackPair();
        var batch = new DatagramBatch(first.Sender, Segment);
        _ = batch.Add(Datagram(1, Segment), first.Destination);
        _ = batch.Add(Datagram(2, Segment), second.Destination);
        batch.Flush();

        Assert.Equal(Datagram(1, Segment), await first.ReceiveAsync());
        Assert.Equal(Datagram(2, Segment), await second.ReceiveAsync());
    }

    [Fact]
    public async Task Add_MoreThanABatchHolds_EverySegmentArrives()
    {
        using var pair = new LoopbackPair();
        var batch = new DatagramBatch(pair.Sender, 1452);
        const int Count = 100; // more than the 45 full datagrams of 1,452 bytes one send may carry
        for (var i = 0; i < Count; i++)
        {
            _ = batch.Add(Datagram((byte)i, 1452), pair.Destination);
        }

        batch.Flush();
        for (var i = 0; i < Count; i++)
        {
            Assert.Equal(Datagram((byte)i, 1452), await pair.ReceiveAsync());
        }
    }

    private static byte[] Datagram(byte tag, int length)
    {
        var datagram = new byte[length];
        datagram.AsSpan().Fill(tag);
        datagram[^1] = (byte)length;
        return datagram;
    }

    private sealed class LoopbackPair : IDisposable
    {
        public LoopbackPair()
        {
            Receiver.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            Receiver.ReceiveBufferSize = 1 << 20;
            Sender.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            Destination = Receiver.LocalEndPoint!.Serialize();
        }

        public Socket Sender { get; } = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);

        public Socket Receiver { get; } = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);

        public SocketAddress Destination { get; }

        public async Task<byte[]> ReceiveAsync()
        {
            var buffer = new byte[65_536];
            using var timeout = new CancellationTokenSource(Bound);
            var length = await Receiver.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            return buffer[..length];
        }

        public void Dispose()
        {
            Sender.Dispose();
            Receiver.Dispose();
        }
    }
}
