using System.Security.Cryptography;

namespace OpenSag.Gateway.DataChannel;

/// <summary>
/// Opens data-channel datagrams (<see cref="TransportMessage"/>) for one direction of one session: one key and a
/// <see cref="ReplayWindow"/>. Never throws for any datagram (every bad one is an <see cref="OpenResult"/> to count);
/// thread-safe (a lock around window and cipher, uncontended when one thread receives a session's datagrams);
/// allocates nothing except when a tag fails (.NET reports that with an exception).
/// The receiver index is not checked here: the caller found this opener by it.
/// </summary>
public sealed class PacketOpener : IDisposable
{
    private readonly Lock _gate = new();
    private readonly Aead _aead;
    private readonly ReplayWindow _window = new();
    private bool _disposed;

    /// <summary>Makes an opener that has seen no counter yet.</summary>
    /// <param name="cipher">The offer's cipher.</param>
    /// <param name="key">32 bytes; copied into the cipher, so the caller may (and should) zero its own copy.</param>
    /// <exception cref="ArgumentException">The key is not 32 bytes.</exception>
    /// <exception cref="ArgumentOutOfRangeException">Not a defined cipher.</exception>
    public PacketOpener(DataCipher cipher, ReadOnlySpan<byte> key) => _aead = new Aead(cipher, key);

    /// <summary>
    /// Checks and decrypts one datagram into <paramref name="packet"/>. The window is checked before decrypting
    /// (replays cost no cipher work) and moved only after the tag verified. In place is allowed:
    /// <paramref name="packet"/> may begin exactly at <c>datagram[16]</c> (the ciphertext's own bytes; the plaintext
    /// is as long as the ciphertext), or not overlap the datagram at all; any other overlap is refused.
    /// </summary>
    /// <param name="datagram">One received datagram, as it came.</param>
    /// <param name="packet">Where the plaintext goes; a datagram whose plaintext would not fit is <see cref="OpenResult.Malformed"/>.</param>
    /// <param name="length">The packet's length when <see cref="OpenResult.Accepted"/> (0 = keepalive), else 0.</param>
    /// <exception cref="ArgumentException">The spans overlap other than in place (a caller's mistake, not the datagram's).</exception>
    /// <exception cref="ObjectDisposedException">After <see cref="Dispose"/>.</exception>
    public OpenResult Open(ReadOnlySpan<byte> datagram, Span<byte> packet, out int length)
    {
        length = 0;
        if (datagram.Overlaps(packet) && !PacketSealer.StartsAt(packet, datagram[TransportMessage.HeaderLength..]))
        {
            throw new ArgumentException("The packet buffer overlaps the datagram other than at its payload's offset.", nameof(packet));
        }

        if (!TransportMessage.TryReadReceiverIndex(datagram, out _))
        {
            return OpenResult.Malformed;
        }

        var plaintextLength = datagram.Length - TransportMessage.Overhead;
        var counter = TransportMessage.ReadCounter(datagram);
        if (plaintextLength > packet.Length || counter >= TransportMessage.CounterLimit)
        {
            return OpenResult.Malformed;
        }

        Span<byte> nonce = stackalloc byte[Aead.NonceLength];
        TransportMessage.WriteNonce(nonce, counter);
        var ciphertext = datagram.Slice(TransportMessage.HeaderLength, plaintextLength);
        var tag = datagram.Slice(TransportMessage.HeaderLength + plaintextLength, TransportMessage.TagLength);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_window.Check(counter))
            {
                return OpenResult.Replayed;
            }

            try
            {
                _aead.Decrypt(nonce, ciphertext, tag, packet[..plaintextLength], datagram[..TransportMessage.HeaderLength]);
            }
            catch (AuthenticationTagMismatchException)
            {
                return OpenResult.Forged;
            }

            // Cannot fail: Check passed under this same lock.
            _window.TryCommit(counter);
        }

        length = plaintextLength;
        return OpenResult.Accepted;
    }

    /// <summary>Frees the cipher and its key schedule; later <see cref="Open"/> calls throw. Idempotent.</summary>
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
}
