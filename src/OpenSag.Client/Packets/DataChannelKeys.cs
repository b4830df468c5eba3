using OpenSag.Gateway.DataChannel;
using OpenSag.Gateway.Protocol;

namespace OpenSag.Client.Packets;

/// <summary>Reads the cipher and keys of a <see cref="DataChannelOffer"/>.</summary>
internal static class DataChannelKeys
{
    /// <summary>Each direction's key: 32 bytes, for AES-256-GCM and ChaCha20-Poly1305 alike.</summary>
    public const int KeyLength = 32;

    /// <exception cref="ArgumentException">The offer names a cipher this client does not know.</exception>
    public static DataCipher Cipher(DataChannelOffer offer) =>
        DataCiphers.TryParse(offer.Cipher, out var cipher) ? cipher : throw new ArgumentException($"the gateway offered the cipher '{offer.Cipher}', which this client does not know", nameof(offer));

    /// <exception cref="FormatException">Not base64.</exception>
    /// <exception cref="ArgumentException">Not <see cref="KeyLength"/> bytes.</exception>
    public static byte[] Key(string base64)
    {
        var key = Convert.FromBase64String(base64);
        return key.Length == KeyLength ? key : throw new ArgumentException($"the gateway offered a key of {key.Length} bytes, not {KeyLength}", nameof(base64));
    }
}
