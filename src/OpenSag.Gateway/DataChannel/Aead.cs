using System.Security.Cryptography;

namespace OpenSag.Gateway.DataChannel;

/// <summary>
/// One of the two AEADs behind one shape, for <see cref="PacketSealer"/> and <see cref="PacketOpener"/>. Not
/// thread-safe (neither is the .NET object inside); both callers lock. Disposing frees the key schedule (OpenSSL's
/// context, or the key copy .NET zeroes).
/// </summary>
internal sealed class Aead : IDisposable
{
    /// <summary>Key length of both ciphers, in bytes.</summary>
    public const int KeyLength = 32;

    /// <summary>Nonce length of both ciphers, in bytes.</summary>
    public const int NonceLength = 12;

    private readonly AesGcm? _aes;
    private readonly ChaCha20Poly1305? _chaCha;

    public Aead(DataCipher cipher, ReadOnlySpan<byte> key)
    {
        if (key.Length != KeyLength)
        {
            throw new ArgumentException($"A data-channel key is {KeyLength} bytes, not {key.Length}.", nameof(key));
        }

        switch (cipher)
        {
            case DataCipher.Aes256Gcm:
                _aes = new AesGcm(key, TransportMessage.TagLength);
                break;
            case DataCipher.ChaCha20Poly1305:
                _chaCha = new ChaCha20Poly1305(key);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(cipher), cipher, "Not a data-channel cipher.");
        }
    }

    public void Encrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext, Span<byte> tag, ReadOnlySpan<byte> associatedData)
    {
        if (_aes is not null)
        {
            _aes.Encrypt(nonce, plaintext, ciphertext, tag, associatedData);
        }
        else
        {
            _chaCha!.Encrypt(nonce, plaintext, ciphertext, tag, associatedData);
        }
    }

    /// <exception cref="AuthenticationTagMismatchException">The tag did not verify (<paramref name="plaintext"/> is zeroed).</exception>
    public void Decrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext, ReadOnlySpan<byte> associatedData)
    {
        if (_aes is not null)
        {
            _aes.Decrypt(nonce, ciphertext, tag, plaintext, associatedData);
        }
        else
        {
            _chaCha!.Decrypt(nonce, ciphertext, tag, plaintext, associatedData);
        }
    }

    public void Dispose()
    {
        _aes?.Dispose();
        _chaCha?.Dispose();
    }
}
