namespace OpenSag.Gateway.DataChannel;

/// <summary>The AEAD that seals the layer-3 data channel's datagrams (<see cref="TransportMessage"/>).</summary>
public enum DataCipher
{
    /// <summary>AES-256-GCM: the default, since AES-NI makes it the fastest on the x86-64 and ARMv8 servers we run on.</summary>
    Aes256Gcm,

    /// <summary>ChaCha20-Poly1305 (RFC 8439), WireGuard's cipher: the faster one on CPUs without AES instructions.</summary>
    ChaCha20Poly1305,
}

/// <summary>The wire names of <see cref="DataCipher"/> in <c>DataChannelOffer.Cipher</c>.</summary>
public static class DataCiphers
{
    /// <summary>The wire name of AES-256-GCM.</summary>
    public const string Aes256GcmName = "aes-256-gcm";

    /// <summary>The wire name of ChaCha20-Poly1305.</summary>
    public const string ChaCha20Poly1305Name = "chacha20-poly1305";

    /// <summary>"aes-256-gcm" or "chacha20-poly1305".</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not a defined <see cref="DataCipher"/>.</exception>
    public static string WireName(DataCipher cipher) => cipher switch
    {
        DataCipher.Aes256Gcm => Aes256GcmName,
        DataCipher.ChaCha20Poly1305 => ChaCha20Poly1305Name,
        _ => throw new ArgumentOutOfRangeException(nameof(cipher), cipher, "Not a data-channel cipher."),
    };

    /// <summary>Reads a wire name (exact, lower case); false for anything else, including null.</summary>
    public static bool TryParse(string? wire, out DataCipher cipher)
    {
        switch (wire)
        {
            case Aes256GcmName:
                cipher = DataCipher.Aes256Gcm;
                return true;
            case ChaCha20Poly1305Name:
                cipher = DataCipher.ChaCha20Poly1305;
                return true;
            default:
                cipher = default;
                return false;
        }
    }
}
