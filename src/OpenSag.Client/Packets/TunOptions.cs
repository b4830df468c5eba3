namespace OpenSag.Client.Packets;

/// <summary>
/// <c>opensag connect --tun</c>: the interface's name, how packets travel to the gateway, and whether the user's
/// AppDNS servers are applied to the interface.
/// </summary>
/// <param name="Name">The TUN interface's name (<see cref="CheckName"/>).</param>
/// <param name="Transport">UDP, the TLS connection, or UDP falling back to TLS.</param>
/// <param name="ApplyDns">False with <c>--no-dns</c>: the system's DNS is left alone.</param>
public sealed record TunOptions(string Name, PacketTransport Transport, bool ApplyDns)
{
    /// <summary>The interface's name unless <c>--tun-name</c> says otherwise.</summary>
    public const string DefaultName = "opensag0";

    /// <summary>
    /// Why the kernel would refuse <paramref name="name"/> as an interface name, or null when it would not: 1–15
    /// bytes (IFNAMSIZ is 16 with the terminating NUL), not "." or "..", and no '/', ':' or whitespace
    /// (Linux dev_valid_name; ':' marks an alias label).
    /// </summary>
    public static string? CheckName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length is 0 or > 15 || System.Text.Encoding.UTF8.GetByteCount(name) > 15)
        {
            return $"'{name}' is not 1 to 15 characters long (the kernel's limit for an interface name).";
        }

        if (name is "." or ".." || name.Any(c => c is '/' or ':' || char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            return $"'{name}' is not an interface name (no '/', ':' or whitespace; not '.' or '..').";
        }

        return null;
    }
}

/// <summary>How the client carries packets to the gateway (<c>connect --transport</c>).</summary>
public enum PacketTransport
{
    /// <summary>UDP, switching to the TLS connection when the gateway does not answer on UDP in time.</summary>
    Auto,

    /// <summary>UDP only (a warning when the gateway does not answer, never a switch).</summary>
    Udp,

    /// <summary>The TLS connection only (a WebSocket at <c>/v1/packets</c>).</summary>
    Tls,
}

/// <summary>The words of <c>--transport</c>.</summary>
public static class PacketTransports
{
    public const string Auto = "auto";
    public const string Udp = "udp";
    public const string Tls = "tls";

    /// <summary>The transport named <paramref name="word"/>.</summary>
    /// <exception cref="ArgumentException">Not one of <see cref="Auto"/>, <see cref="Udp"/>, <see cref="Tls"/>.</exception>
    public static PacketTransport Parse(string word) => word switch
    {
        Auto => PacketTransport.Auto,
        Udp => PacketTransport.Udp,
        Tls => PacketTransport.Tls,
        _ => throw new ArgumentException($"'{word}' is not auto, udp or tls.", nameof(word)),
    };
}
