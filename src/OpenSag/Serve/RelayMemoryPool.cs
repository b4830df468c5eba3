using System.Buffers;
using Microsoft.AspNetCore.Connections;

namespace OpenSag.Cli.Serve;

/// <summary>
/// The memory pool Kestrel's socket transport and TLS layer take their buffers from: 64 KiB blocks from
/// <see cref="ArrayPool{T}.Shared"/> instead of Kestrel's default 4 KiB ones.
/// </summary>
/// <remarks>
/// The socket transport receives into one block at a time, so its block size is the largest read it makes. With
/// 4 KiB blocks a tunnel carrying 500 MB cost the gateway about 255,000 <c>recvfrom</c> calls (about 2 KiB each), and
/// every one of them woke the TLS layer above it, where a TLS record is 16 KiB; stunnel made 65,000 reads for the
/// same bytes (bench/README.md, stream path). The transport waits for data before it rents a block for a read, so a
/// connection that only carried small messages (a control channel, a tunnel of keystrokes) holds none while idle.
/// One that received a bulk upload may keep one block in its pending socket read (Kestrel's receive loop, whatever
/// the block size): measured over 400 tunnels left idle after uploading 32 KiB or 200 KB each, 99–159 held a 64 KiB
/// block (51–191 held a 4 KiB one with Kestrel's default size), so such an idle tunnel costs up to 64 KiB more than
/// with the default pool. <see cref="ArrayPool{T}.Shared"/> trims what it keeps (not what is rented) when memory is short.
/// </remarks>
internal sealed class RelayMemoryPool : MemoryPool<byte>
{
    public const int BlockBytes = 64 * 1024;

    public override int MaxBufferSize => BlockBytes;

    /// <exception cref="ArgumentOutOfRangeException"><paramref name="minBufferSize"/> is more than <see cref="BlockBytes"/>.</exception>
    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minBufferSize, BlockBytes);
        return new Block(ArrayPool<byte>.Shared.Rent(BlockBytes));
    }

    protected override void Dispose(bool disposing)
    {
    }

    private sealed class Block(byte[] array) : IMemoryOwner<byte>
    {
        private byte[]? _array = array;

        public Memory<byte> Memory => _array ?? throw new ObjectDisposedException(nameof(RelayMemoryPool));

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _array, null) is { } array)
            {
                ArrayPool<byte>.Shared.Return(array);
            }
        }
    }

    /// <summary>What Kestrel asks for each pool it makes (<c>IMemoryPoolFactory</c>, ASP.NET Core 10).</summary>
    internal sealed class Factory : IMemoryPoolFactory<byte>
    {
        public MemoryPool<byte> Create(MemoryPoolOptions? options = null) => new RelayMemoryPool();
    }
}
