using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace OpenSag.Gateway.DataChannel;

/// <summary>
/// Seals IP packets into data-channel datagrams (<see cref="TransportMessage"/>) for one direction of one session:
/// one key, one receiver index (the peer's), one counter from 0. Thread-safe: a lock around counter and cipher (the
/// .NET AEAD objects are not thread-safe), uncontended when one thread sends a session's packets. Allocates nothing.
/// </summary>
public sealed class PacketSealer : IDisposable
{
    private readonly Lock _gate = new();
    private readonly Aead _aead;
    private readonly uint _receiverIndex;
    private ulong _counter;
    private bool _disposed;

    /// <summary>Makes a sealer whose first datagram has counter 0.</summary>
    /// <param name="cipher">The offer's cipher.</param>
    /// <param name="key">32 bytes; copied into the cipher, so the caller may (and should) zero its own copy.</param>
    /// <param name="receiverIndex">The index the peer chose for this session; written into every header.</param>
    /// <exception cref="ArgumentException">The key is not 32 bytes.</exception>
    /// <exception cref="ArgumentOutOfRangeException">Not a defined cipher.</exception>
    public PacketSealer(DataCipher cipher, ReadOnlySpan<byte> key, uint receiverIndex)
    {
        _aead = new Aead(cipher, key);
        _receiverIndex = receiverIndex;
    }

    /// <summary>The counter the next datagram gets (for tests: it starts at 0).</summary>
    internal ulong NextCounter
    {
        get
        {
            lock (_gate)
            {
                return _counter;
            }
        }

        set
        {
            lock (_gate)
            {
                _counter = value;
            }
        }
    }

    /// <summary>
    /// Writes the datagram carrying <paramref name="packet"/> (empty for a keepalive) at the start of
    /// <paramref name="datagram"/>: header, ciphertext, tag. In place is allowed: <paramref name="packet"/> may be exactly
    /// <c>datagram[16..(16 + packet.Length)]</c> (read the packet at offset <see cref="TransportMessage.HeaderLength"/>
    /// of the datagram buffer and seal it there); any other overlap is refused.
    /// </summary>
    /// <returns>The datagram's length: <c>packet.Length + </c><see cref="TransportMessage.Overhead"/>.</returns>
    /// <exception cref="ArgumentException"><paramref name="datagram"/> is too short, or the spans overlap other than in place.</exception>
    /// <exception cref="InvalidOperationException">This sealer has sealed <see cref="TransportMessage.CounterLimit"/> datagrams: the session needs new keys.</exception>
    /// <exception cref="ObjectDisposedException">After <see cref="Dispose"/>.</exception>
    public int Seal(ReadOnlySpan<byte> packet, Span<byte> datagram)
    {
        var length = packet.Length + TransportMessage.Overhead;
        if (datagram.Length < length)
        {
            throw new ArgumentException($"A {packet.Length}-byte packet needs a {length}-byte datagram buffer, not {datagram.Length}.", nameof(datagram));
        }

        var ciphertext = datagram.Slice(TransportMessage.HeaderLength, packet.Length);
        if (packet.Overlaps(datagram) && !StartsAt(packet, ciphertext))
        {
            throw new ArgumentException("The packet overlaps the datagram buffer other than at its payload's offset.", nameof(packet));
        }

        Span<byte> nonce = stackalloc byte[Aead.NonceLength];
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_counter >= TransportMessage.CounterLimit)
            {
                throw new InvalidOperationException("The data channel's counter reached 2^60: the session needs new keys.");
            }

            var counter = _counter++;
            TransportMessage.WriteHeader(datagram, _receiverIndex, counter);
            TransportMessage.WriteNonce(nonce, counter);
            _aead.Encrypt(nonce, packet, ciphertext, datagram.Slice(TransportMessage.HeaderLength + packet.Length, TransportMessage.TagLength), datagram[..TransportMessage.HeaderLength]);
        }

        return length;
    }

    /// <summary>Frees the cipher and its key schedule; later <see cref="Seal"/> calls throw. Idempotent.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (!_disposed)
            {
                _disposed = true;
                _aead.Dispose();
            }
        }
    }

    /// <summary>Whether both spans begin at the same byte (the one overlap the AEADs take: exactly in place).</summary>
    internal static bool StartsAt(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) =>
        Unsafe.AreSame(ref MemoryMarshal.GetReference(a), ref MemoryMarshal.GetReference(b));
}
