using OpenSag.Gateway.Tun;

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
    /// Why the kernel would refuse <paramref name="name"/> as an interface name (<see cref="TunDevice.ValidateName"/>'s
    /// rules), or null when it would not.
    /// </summary>
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public static string? CheckName(string name) => TunDevice.DescribeInvalidName(name);
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
