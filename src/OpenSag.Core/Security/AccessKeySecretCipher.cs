using System.Security.Cryptography;
using System.Text;

namespace OpenSag.Security;

/// <summary>
/// Seals access-key secrets for storage, so that a copy of the database alone (or of SQLite's <c>-wal</c>) reveals
/// none: AES-256-GCM under a 32-byte key kept outside the database (<c>&lt;data&gt;/secrets.key</c>, or the file
/// every node of a cluster is given). The stored form is <c>aes256gcm$KEYID$BASE64(nonce ‖ ciphertext ‖ tag)</c>.
/// The secret itself must stay recoverable: both signature schemes are HMACs keyed by it, so it cannot be hashed.
/// </summary>
/// <remarks>
/// Why one AES-GCM key file rather than ASP.NET Core Data Protection: Data Protection rotates its key every 90 days
/// into a key ring that every node sharing the database would have to share and keep in step (a node that has not
/// seen the newest key cannot read what another node sealed), whereas one fixed key is one file to copy to each
/// node. The additional authenticated data is the AccessKeyId, so a sealed value copied onto another key's row
/// does not open. Nonces are 96 random bits: NIST SP 800-38D §8.3 allows 2^32 random-nonce seals per key, and
/// there is one seal per access key written. KEYID is the first 4 bytes of HMAC-SHA256(key, label) in hex: it
/// names the key in error messages (which key sealed the stored values, which key this node has) and reveals
/// nothing about it.
/// </remarks>
public sealed class AccessKeySecretCipher
{
    /// <summary>Size of the key, in bytes (AES-256).</summary>
    public const int KeyBytes = 32;

    private const string Scheme = "aes256gcm";
    private const char Separator = '$';
    private const int NonceBytes = 12;
    private const int TagBytes = 16;
    private static readonly byte[] KeyIdLabel = "OpenSAG access-key secrets key id"u8.ToArray();

    private readonly byte[] _key;

    /// <param name="key">The <see cref="KeyBytes"/>-byte key; copied.</param>
    /// <exception cref="ArgumentException">The key is not <see cref="KeyBytes"/> bytes long.</exception>
    public AccessKeySecretCipher(ReadOnlySpan<byte> key)
    {
        if (key.Length != KeyBytes)
        {
            throw new ArgumentException($"The key must be {KeyBytes} bytes, not {key.Length}.", nameof(key));
        }

        _key = key.ToArray();
        KeyId = Convert.ToHexStringLower(HMACSHA256.HashData(_key, KeyIdLabel).AsSpan(0, 4));
    }

    /// <summary>Eight hex digits naming the key (not secret).</summary>
    public string KeyId { get; }

    /// <summary>
    /// Whether a stored value is in the sealed form; anything else was written in clear by a version from before
    /// secrets were sealed. A secret chosen by an operator that happens to start with <c>aes256gcm$</c> and was
    /// stored by such a version is taken for sealed, fails to open and stops the server with a clear message.
    /// </summary>
    public static bool IsSealed(string stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        return stored.StartsWith(Scheme + Separator, StringComparison.Ordinal);
    }

    /// <summary>
    /// What an upgrade does with one stored value: true when it is still in clear (an older version's) and must be
    /// sealed; a sealed one is opened instead, so a server whose key cannot read what is stored stops at start rather
    /// than on the first API call.
    /// </summary>
    /// <exception cref="UnreadableSecretException">The value is sealed but does not open with this key (see <see cref="Open"/>).</exception>
    public bool NeedsSealing(string accessKeyId, string stored)
    {
        if (!IsSealed(stored))
        {
            return true;
        }

        Open(accessKeyId, stored);
        return false;
    }

    /// <summary>The stored form of <paramref name="secret"/>, bound to <paramref name="accessKeyId"/>; a fresh nonce each call.</summary>
    public string Seal(string accessKeyId, string secret)
    {
        ArgumentNullException.ThrowIfNull(accessKeyId);
        ArgumentNullException.ThrowIfNull(secret);
        var plaintext = Encoding.UTF8.GetBytes(secret);
        var sealedBytes = new byte[NonceBytes + plaintext.Length + TagBytes];
        var nonce = sealedBytes.AsSpan(0, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using (var aes = new AesGcm(_key, TagBytes))
        {
            aes.Encrypt(nonce, plaintext, sealedBytes.AsSpan(NonceBytes, plaintext.Length), sealedBytes.AsSpan(NonceBytes + plaintext.Length), Encoding.UTF8.GetBytes(accessKeyId));
        }

        CryptographicOperations.ZeroMemory(plaintext);
        return string.Concat(Scheme, Separator.ToString(), KeyId, Separator.ToString(), Convert.ToBase64String(sealedBytes));
    }

    /// <summary>The secret sealed in <paramref name="stored"/> for <paramref name="accessKeyId"/>.</summary>
    /// <exception cref="UnreadableSecretException">
    /// The value is not in the sealed form, was sealed with another key, was altered, or was sealed for another
    /// access key.
    /// </exception>
    public string Open(string accessKeyId, string stored)
    {
        ArgumentNullException.ThrowIfNull(accessKeyId);
        ArgumentNullException.ThrowIfNull(stored);
        var parts = stored.Split(Separator);
        if (parts.Length != 3 || parts[0] != Scheme)
        {
            throw new UnreadableSecretException(accessKeyId, $"the stored secret of access key {accessKeyId} is not in the {Scheme} form");
        }

        if (parts[1] != KeyId)
        {
            throw new UnreadableSecretException(accessKeyId, $"the secret of access key {accessKeyId} was sealed with secrets key {parts[1]}, not with this secrets key ({KeyId})");
        }

        var sealedBytes = new byte[parts[2].Length];
        if (!Convert.TryFromBase64String(parts[2], sealedBytes, out var length) || length < NonceBytes + TagBytes)
        {
            throw new UnreadableSecretException(accessKeyId, $"the stored secret of access key {accessKeyId} is truncated or not base64");
        }

        var sealedSpan = sealedBytes.AsSpan(0, length);
        var plaintext = new byte[length - NonceBytes - TagBytes];
        try
        {
            using var aes = new AesGcm(_key, TagBytes);
            aes.Decrypt(sealedSpan[..NonceBytes], sealedSpan[NonceBytes..^TagBytes], sealedSpan[^TagBytes..], plaintext, Encoding.UTF8.GetBytes(accessKeyId));
            return Encoding.UTF8.GetString(plaintext);
        }
        catch (AuthenticationTagMismatchException e)
        {
            throw new UnreadableSecretException(accessKeyId, $"the secret of access key {accessKeyId} does not open with secrets key {KeyId}: it was altered, or copied from another access key's row", e);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }
}
