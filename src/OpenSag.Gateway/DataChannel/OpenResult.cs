namespace OpenSag.Gateway.DataChannel;

/// <summary>What <see cref="PacketOpener.Open(ReadOnlySpan{byte}, Span{byte}, out int)"/> made of a datagram.</summary>
public enum OpenResult
{
    /// <summary>Authentic and new: the packet is written and the replay window moved.</summary>
    Accepted,

    /// <summary>Not a transport data message of a size this receiver takes, or a counter at the limit.</summary>
    Malformed,

    /// <summary>The tag did not verify.</summary>
    Forged,

    /// <summary>The counter was seen already or is older than the window; not decrypted.</summary>
    Replayed,
}
