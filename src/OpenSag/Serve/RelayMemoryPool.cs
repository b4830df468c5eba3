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
/// same bytes (bench/README.md, stream path). A block is rented only while bytes wait in a pipe (the transport waits
/// for data before it asks for one), so an idle connection holds none, and <see cref="ArrayPool{T}.Shared"/> trims
/// what it keeps when memory is short.
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
