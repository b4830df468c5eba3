using System.Buffers.Binary;
using System.Security.Cryptography;
using OpenSag.Gateway.DataChannel;

namespace OpenSag.Gateway.Tests.DataChannel;

/// <summary>The data channel's datagrams (issue 11): wire layout, both ciphers, in-place use, every way to reject one.</summary>
public sealed class PacketSealingTests
{
    private const uint Index = 0x01020304;
    private static readonly byte[] Key = [.. Enumerable.Range(0, 32).Select(i => (byte)i)];
    private static readonly byte[] Sample = "OpenSAG layer 3"u8.ToArray();

    public static TheoryData<DataCipher> Ciphers => [DataCipher.Aes256Gcm, DataCipher.ChaCha20Poly1305];

    // Computed independently with Python's cryptography package (AESGCM, ChaCha20Poly1305): key 00..1f, receiver index
    // 0x01020304, plaintext "OpenSAG layer 3", nonce = 4 zero bytes + counter little-endian, AAD = the 16-byte header.
    [Theory]
    [InlineData(DataCipher.Aes256Gcm, 0UL, "0400000004030201000000000000000041ccd0b0e66dc49d64c9d0506a0ca271241fed82a23eeda603dd0fac4d55b2")]
    [InlineData(DataCipher.ChaCha20Poly1305, 0UL, "0400000004030201000000000000000057c8275ffea7e1f17f002504dd637d7152dcf55bcba697a521bcb37deaf09c")]
    [InlineData(DataCipher.Aes256Gcm, 0x0102030405060708UL, "0400000004030201080706050403020153889a2b316e8f6ef9128756ec0e09834ca3306f2328d205465ec5672c33f4")]
    [InlineData(DataCipher.ChaCha20Poly1305, 0x0102030405060708UL, "04000000040302010807060504030201bf39c88af878ad3808ca53a9015852de516996aaa5dc946414b503b0c33fa0")]
    public void Seal_FixedKeyAndCounter_KnownAnswer(DataCipher cipher, ulong counter, string expected)
    {
        using var sealer = new PacketSealer(cipher, Key, Index) { NextCounter = counter };
        var datagram = new byte[Sample.Length + TransportMessage.Overhead];
        Assert.Equal(datagram.Length, sealer.Seal(Sample, datagram));
        Assert.Equal(expected, Convert.ToHexStringLower(datagram));

        using var opener = new PacketOpener(cipher, Key);
        var packet = new byte[64];
        Assert.Equal(OpenResult.Accepted, opener.Open(Convert.FromHexString(expected), packet, out var length));
        Assert.Equal(Sample, packet[..length]);
    }

    [Fact]
    public void Seal_Header_TypeReservedIndexCounterLittleEndian()
    {
        using var sealer = new PacketSealer(DataCipher.Aes256Gcm, Key, 0xA1B2C3D4);
        var datagram = new byte[TransportMessage.Overhead + 1];
        for (ulong counter = 0; counter < 3; counter++)
        {
            sealer.Seal([0x45], datagram);
            Assert.Equal([4, 0, 0, 0, 0xD4, 0xC3, 0xB2, 0xA1], datagram[..8]);
            Assert.Equal(counter, BinaryPrimitives.ReadUInt64LittleEndian(datagram.AsSpan(8)));
            Assert.True(TransportMessage.TryReadReceiverIndex(datagram, out var index));
            Assert.Equal(0xA1B2C3D4u, index);
        }
    }

    [Fact]
    public void TransportMessage_Constants_WireGuardsNumbers()
    {
        Assert.Equal(16, TransportMessage.HeaderLength);
        Assert.Equal(32, TransportMessage.Overhead);
        Assert.Equal(1420, TransportMessage.Mtu);
        Assert.Equal(1UL << 60, TransportMessage.CounterLimit);
    }

    [Theory]
    [InlineData(31, 4, 0)]
    [InlineData(32, 3, 0)]
    [InlineData(32, 4, 1)]
    public void TryReadReceiverIndex_NotTransportShape_False(int length, byte type, byte reserved)
    {
        var datagram = new byte[length];
        datagram[0] = type;
        datagram[2] = reserved;
        Assert.False(TransportMessage.TryReadReceiverIndex(datagram, out _));
    }

    [Theory]
    [MemberData(nameof(Ciphers))]
    public void SealThenOpen_EverySize_SamePacket(DataCipher cipher)
    {
        using var sealer = new PacketSealer(cipher, Key, Index);
        using var opener = new PacketOpener(cipher, Key);
        var datagram = new byte[TransportMessage.MaxDatagramLength];
        var packet = new byte[TransportMessage.Mtu];
        foreach (var size in new[] { 0, 1, 20, 576, 1419, TransportMessage.Mtu })
        {
            var original = RandomNumberGenerator.GetBytes(size);
            var length = sealer.Seal(original, datagram);
            Assert.Equal(size + TransportMessage.Overhead, length);
            Assert.Equal(OpenResult.Accepted, opener.Open(datagram.AsSpan(0, length), packet, out var opened));
            Assert.Equal(original, packet[..opened]);
        }
    }

    [Theory]
    [MemberData(nameof(Ciphers))]
    public void SealThenOpen_InPlace_SamePacket(DataCipher cipher)
    {
        using var sealer = new PacketSealer(cipher, Key, Index);
        using var opener = new PacketOpener(cipher, Key);
        var buffer = new byte[TransportMessage.MaxDatagramLength];
        var original = RandomNumberGenerator.GetBytes(1000);
        original.CopyTo(buffer, TransportMessage.HeaderLength);

        var length = sealer.Seal(buffer.AsSpan(TransportMessage.HeaderLength, original.Length), buffer);
        Assert.NotEqual(original, buffer.AsSpan(TransportMessage.HeaderLength, original.Length).ToArray());
        Assert.Equal(OpenResult.Accepted, opener.Open(buffer.AsSpan(0, length), buffer.AsSpan(TransportMessage.HeaderLength), out var opened));
        Assert.Equal(original, buffer.AsSpan(TransportMessage.HeaderLength, opened).ToArray());
    }

    [Fact]
    public void Seal_PacketOverlapsOtherThanInPlace_Refused()
    {
        using var sealer = new PacketSealer(DataCipher.Aes256Gcm, Key, Index);
        using var opener = new PacketOpener(DataCipher.Aes256Gcm, Key);
        var buffer = new byte[TransportMessage.MaxDatagramLength + 8];
        Assert.Throws<ArgumentException>(() => sealer.Seal(buffer.AsSpan(8, 100), buffer));
        Assert.Equal(0UL, sealer.NextCounter);
        var length = sealer.Seal(new byte[100], buffer);
        Assert.Throws<ArgumentException>(() => opener.Open(buffer.AsSpan(0, length), buffer.AsSpan(8), out _));
        // A datagram shorter than a header, overlapped by the packet buffer: the same refusal, not a slicing error.
        Assert.Throws<ArgumentException>(() => opener.Open(buffer.AsSpan(0, 10), buffer.AsSpan(4), out _));
        // In place with a datagram too short to hold a header: malformed input, no exception.
        Assert.Equal(OpenResult.Malformed, opener.Open(buffer.AsSpan(0, 20), buffer.AsSpan(TransportMessage.HeaderLength), out _));
    }

    [Fact]
    public void Seal_BufferTooShort_Refused()
    {
        using var sealer = new PacketSealer(DataCipher.Aes256Gcm, Key, Index);
        Assert.Throws<ArgumentException>(() => sealer.Seal(new byte[100], new byte[131]));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(31)]
    [InlineData(33)]
    public void Sealer_KeyNot32Bytes_Refused(int length)
    {
        Assert.Throws<ArgumentException>(() => new PacketSealer(DataCipher.Aes256Gcm, new byte[length], Index));
        Assert.Throws<ArgumentException>(() => new PacketOpener(DataCipher.ChaCha20Poly1305, new byte[length]));
    }

    [Fact]
    public void Seal_AtTheCounterLimit_Throws()
    {
        using var sealer = new PacketSealer(DataCipher.ChaCha20Poly1305, Key, Index) { NextCounter = TransportMessage.CounterLimit - 1 };
        var datagram = new byte[TransportMessage.Overhead];
        sealer.Seal([], datagram);
        Assert.Equal(TransportMessage.CounterLimit - 1, BinaryPrimitives.ReadUInt64LittleEndian(datagram.AsSpan(8)));
        Assert.Throws<InvalidOperationException>(() => sealer.Seal([], datagram));
        Assert.Throws<InvalidOperationException>(() => sealer.Seal([], datagram));
    }

    [Fact]
    public void SealerAndOpener_Disposed_Throw()
    {
        var sealer = new PacketSealer(DataCipher.Aes256Gcm, Key, Index);
        var opener = new PacketOpener(DataCipher.Aes256Gcm, Key);
        var datagram = new byte[TransportMessage.Overhead];
        sealer.Seal([], datagram);
        sealer.Dispose();
        sealer.Dispose();
        opener.Dispose();
        Assert.Throws<ObjectDisposedException>(() => sealer.Seal([], datagram));
        Assert.Throws<ObjectDisposedException>(() => opener.Open(datagram, new byte[16], out _));
    }

    [Theory]
    [MemberData(nameof(Ciphers))]
    public void Open_EveryByteFlipped_ForgedAndWindowUnmoved(DataCipher cipher)
    {
        using var sealer = new PacketSealer(cipher, Key, Index);
        using var opener = new PacketOpener(cipher, Key);
        var datagram = new byte[Sample.Length + TransportMessage.Overhead];
        sealer.Seal(Sample, datagram);
        var packet = new byte[64];
        // Bytes 0..7 (type, reserved, index) make it malformed or are the caller's routing concern; from byte 4 on
        // every byte is authenticated (the index too, as associated data).
        for (var i = 4; i < datagram.Length; i++)
        {
            for (var bit = 0; bit < 8; bit++)
            {
                var altered = (byte[])datagram.Clone();
                altered[i] ^= (byte)(1 << bit);
                var result = opener.Open(altered, packet, out var length);
                // A flipped high counter bit can reach the limit: malformed; otherwise the tag fails.
                Assert.True(result is OpenResult.Forged or OpenResult.Malformed, $"byte {i} bit {bit}: {result}");
                Assert.Equal(0, length);
            }
        }

        Assert.Equal(OpenResult.Accepted, opener.Open(datagram, packet, out var accepted));
        Assert.Equal(Sample, packet[..accepted]);
    }

    [Fact]
    public void Open_WrongKeyOrCipher_Forged()
    {
        using var sealer = new PacketSealer(DataCipher.Aes256Gcm, Key, Index);
        var datagram = new byte[Sample.Length + TransportMessage.Overhead];
        sealer.Seal(Sample, datagram);
        var otherKey = (byte[])Key.Clone();
        otherKey[31] ^= 1;
        using var wrongKey = new PacketOpener(DataCipher.Aes256Gcm, otherKey);
        using var wrongCipher = new PacketOpener(DataCipher.ChaCha20Poly1305, Key);
        Assert.Equal(OpenResult.Forged, wrongKey.Open(datagram, new byte[64], out _));
        Assert.Equal(OpenResult.Forged, wrongCipher.Open(datagram, new byte[64], out _));
    }

    [Fact]
    public void Open_SameDatagramTwice_Replayed()
    {
        using var sealer = new PacketSealer(DataCipher.Aes256Gcm, Key, Index);
        using var opener = new PacketOpener(DataCipher.Aes256Gcm, Key);
        var datagram = new byte[Sample.Length + TransportMessage.Overhead];
        sealer.Seal(Sample, datagram);
        Assert.Equal(OpenResult.Accepted, opener.Open(datagram, new byte[64], out _));
        Assert.Equal(OpenResult.Replayed, opener.Open(datagram, new byte[64], out var length));
        Assert.Equal(0, length);
    }

    [Fact]
    public void Open_OutOfOrderWithinAndBeyondTheWindow_AcceptedOnceOrReplayed()
    {
        using var sealer = new PacketSealer(DataCipher.ChaCha20Poly1305, Key, Index);
        using var opener = new PacketOpener(DataCipher.ChaCha20Poly1305, Key);
        var datagrams = new byte[ReplayWindow.WindowSize + 100][];
        for (var i = 0; i < datagrams.Length; i++)
        {
            datagrams[i] = new byte[TransportMessage.Overhead + 1];
            sealer.Seal([(byte)i], datagrams[i]);
        }

        var packet = new byte[8];
        Assert.Equal(OpenResult.Accepted, opener.Open(datagrams[10], packet, out _));
        Assert.Equal(OpenResult.Accepted, opener.Open(datagrams[3], packet, out _));
        Assert.Equal(OpenResult.Replayed, opener.Open(datagrams[3], packet, out _));
        Assert.Equal(OpenResult.Accepted, opener.Open(datagrams[^1], packet, out _));
        // The top is now WindowSize + 99: counters below 99 are out of the window even if never seen.
        Assert.Equal(OpenResult.Replayed, opener.Open(datagrams[98], packet, out _));
        Assert.Equal(OpenResult.Accepted, opener.Open(datagrams[99], packet, out var length));
        Assert.Equal(99, packet[length - 1]);
    }

    [Fact]
    public void Open_MalformedShapes_Malformed()
    {
        using var sealer = new PacketSealer(DataCipher.Aes256Gcm, Key, Index) { NextCounter = TransportMessage.CounterLimit - 1 };
        using var opener = new PacketOpener(DataCipher.Aes256Gcm, Key);
        var datagram = new byte[Sample.Length + TransportMessage.Overhead];
        sealer.Seal(Sample, datagram);

        Assert.Equal(OpenResult.Malformed, opener.Open(datagram.AsSpan(0, 31), new byte[64], out _));
        Assert.Equal(OpenResult.Malformed, opener.Open([], new byte[64], out _));
        // A packet buffer too small for the plaintext.
        Assert.Equal(OpenResult.Malformed, opener.Open(datagram, new byte[Sample.Length - 1], out _));
        var counterAtLimit = (byte[])datagram.Clone();
        BinaryPrimitives.WriteUInt64LittleEndian(counterAtLimit.AsSpan(8), TransportMessage.CounterLimit);
        Assert.Equal(OpenResult.Malformed, opener.Open(counterAtLimit, new byte[64], out _));
        var wrongType = (byte[])datagram.Clone();
        wrongType[0] = 1;
        Assert.Equal(OpenResult.Malformed, opener.Open(wrongType, new byte[64], out _));

        Assert.Equal(OpenResult.Accepted, opener.Open(datagram, new byte[Sample.Length], out var length));
        Assert.Equal(Sample.Length, length);
    }

    [Theory]
    [MemberData(nameof(Ciphers))]
    public void Open_TwentyThousandHostileInputs_NeverThrowsAcceptsOnlyGenuine(DataCipher cipher)
    {
        using var sealer = new PacketSealer(cipher, Key, Index);
        using var opener = new PacketOpener(cipher, Key);
        var random = new Random(20261130);
        var datagram = new byte[TransportMessage.MaxDatagramLength];
        var packet = new byte[TransportMessage.Mtu];
        var genuineAccepted = 0;
        for (var i = 0; i < 20_000; i++)
        {
            var input = (i % 4) switch
            {
                // Random bytes, sometimes shaped like a transport message so they reach the window and the tag.
                0 => RandomShaped(random),
                // A genuine datagram cut short.
                1 => Truncated(Genuine(sealer, random, datagram), random),
                // A genuine datagram with one bit flipped.
                2 => Flipped(Genuine(sealer, random, datagram), random),
                // A genuine datagram delivered twice.
                _ => Genuine(sealer, random, datagram),
            };
            var result = opener.Open(input, packet, out var length);
            if (i % 4 == 3)
            {
                Assert.Equal(OpenResult.Accepted, result);
                Assert.Equal(OpenResult.Replayed, opener.Open(input, packet, out _));
                genuineAccepted++;
            }
            else
            {
                Assert.NotEqual(OpenResult.Accepted, result);
                Assert.Equal(0, length);
            }
        }

        Assert.Equal(5_000, genuineAccepted);
    }

    [Theory]
    [MemberData(nameof(Ciphers))]
    public void SealAndOpen_SteadyState_AllocateNothing(DataCipher cipher)
    {
        using var sealer = new PacketSealer(cipher, Key, Index);
        using var opener = new PacketOpener(cipher, Key);
        var buffer = new byte[TransportMessage.MaxDatagramLength];
        RoundTrip(sealer, opener, buffer);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            RoundTrip(sealer, opener, buffer);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Seal_ConcurrentSenders_EveryCounterOnce()
    {
        using var sealer = new PacketSealer(DataCipher.Aes256Gcm, Key, Index);
        using var opener = new PacketOpener(DataCipher.Aes256Gcm, Key);
        const int threads = 4;
        const int perThread = 2000;
        var sealedBy = new byte[threads][][];
        Parallel.For(0, threads, thread =>
        {
            var datagrams = sealedBy[thread] = new byte[perThread][];
            for (var i = 0; i < perThread; i++)
            {
                // The plaintext names its sender and sequence, so opening proves each header's counter is the one
                // its ciphertext was sealed under (a counter taken by one thread, a nonce used by another, would fail).
                var packet = new byte[8];
                BinaryPrimitives.WriteInt32LittleEndian(packet, thread);
                BinaryPrimitives.WriteInt32LittleEndian(packet.AsSpan(4), i);
                var datagram = new byte[TransportMessage.Overhead + packet.Length];
                sealer.Seal(packet, datagram);
                datagrams[i] = datagram;
            }
        });

        // Opened after all sealing ends, in counter order: opening while sealing (as this test once did) lets a thread
        // preempted between its Seal and its Open find its counter already more than ReplayWindow.WindowSize behind
        // what the other threads opened meanwhile, a correct "replayed" that says nothing about the sealer.
        var all = sealedBy.SelectMany(d => d).OrderBy(d => BinaryPrimitives.ReadUInt64LittleEndian(d.AsSpan(8))).ToArray();
        Assert.Equal(Enumerable.Range(0, threads * perThread).Select(c => (ulong)c), all.Select(d => BinaryPrimitives.ReadUInt64LittleEndian(d.AsSpan(8))));
        var plaintext = new byte[8];
        var opened = new Dictionary<(int Thread, int Sequence), ulong>();
        foreach (var datagram in all)
        {
            Assert.Equal(OpenResult.Accepted, opener.Open(datagram, plaintext, out var length));
            Assert.Equal(8, length);
            opened.Add((BinaryPrimitives.ReadInt32LittleEndian(plaintext), BinaryPrimitives.ReadInt32LittleEndian(plaintext.AsSpan(4))),
                BinaryPrimitives.ReadUInt64LittleEndian(datagram.AsSpan(8)));
        }

        for (var thread = 0; thread < threads; thread++)
        {
            for (var i = 0; i < perThread; i++)
            {
                // Each datagram opened to its own sender's plaintext, under the counter its header carries, and one
                // thread's datagrams carry increasing counters (the lock orders its own calls).
                Assert.Equal(BinaryPrimitives.ReadUInt64LittleEndian(sealedBy[thread][i].AsSpan(8)), opened[(thread, i)]);
                Assert.True(i == 0 || opened[(thread, i)] > opened[(thread, i - 1)]);
            }
        }
    }

    [Fact]
    public void Open_CounterOvertakenByMoreThanTheWindow_Replayed()
    {
        // The interleaving that failed the concurrent test's old form under load: a datagram sealed, then more than
        // the window's worth sealed and opened before it is opened. Rejecting it is the replay window's job.
        using var sealer = new PacketSealer(DataCipher.Aes256Gcm, Key, Index);
        using var opener = new PacketOpener(DataCipher.Aes256Gcm, Key);
        var late = new byte[TransportMessage.Overhead];
        sealer.Seal([], late);
        var datagram = new byte[TransportMessage.Overhead];
        for (var i = 0; i <= ReplayWindow.WindowSize; i++)
        {
            sealer.Seal([], datagram);
            Assert.Equal(OpenResult.Accepted, opener.Open(datagram, [], out _));
        }

        Assert.Equal(OpenResult.Replayed, opener.Open(late, [], out _));
    }

    private static void RoundTrip(PacketSealer sealer, PacketOpener opener, byte[] buffer)
    {
        var length = sealer.Seal(buffer.AsSpan(TransportMessage.HeaderLength, TransportMessage.Mtu), buffer);
        if (opener.Open(buffer.AsSpan(0, length), buffer.AsSpan(TransportMessage.HeaderLength), out _) != OpenResult.Accepted)
        {
            throw new InvalidOperationException("round trip failed");
        }
    }

    private static byte[] RandomShaped(Random random)
    {
        var input = new byte[random.Next(0, TransportMessage.MaxDatagramLength + 1)];
        random.NextBytes(input);
        if (input.Length >= TransportMessage.Overhead && random.Next(2) == 0)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(input, TransportMessage.DataType);
            BinaryPrimitives.WriteUInt64LittleEndian(input.AsSpan(8), (ulong)random.Next(0, 100_000));
        }

        return input;
    }

    private static byte[] Genuine(PacketSealer sealer, Random random, byte[] datagram)
    {
        var packet = new byte[random.Next(0, TransportMessage.Mtu + 1)];
        random.NextBytes(packet);
        return datagram[..sealer.Seal(packet, datagram)];
    }

    private static byte[] Truncated(byte[] datagram, Random random) => datagram[..random.Next(0, datagram.Length)];

    private static byte[] Flipped(byte[] datagram, Random random)
    {
        // From byte 4 on: a flip in bytes 0..3 only makes it malformed, which the other cases cover.
        var i = random.Next(4, datagram.Length);
        datagram[i] ^= (byte)(1 << random.Next(8));
        return datagram;
    }
}
