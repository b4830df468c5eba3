using System.Runtime.Versioning;

namespace OpenSag.Gateway.Tun;

/// <summary>
/// A Linux TUN interface (layer 3, IFF_TUN | IFF_NO_PI: each read or write is exactly one IP packet, no extra
/// header), open for as long as this object lives. Not persistent: disposing closes the file descriptor and the
/// kernel deletes the interface with its addresses and routes; that is how a client removes it on exit (even when
/// killed: the kernel closes the descriptor).
/// <para>
/// One thread reads (<see cref="Read"/> blocks), any thread writes. <see cref="Dispose"/> wakes a blocked reader
/// (an eventfd it polls alongside the device), which then returns 0.
/// </para>
/// </summary>
[SupportedOSPlatform("linux")]
public sealed partial class TunDevice : IDisposable
{
    /// <summary>Longest interface name: IFNAMSIZ (16) less its terminating NUL.</summary>
    public const int MaxNameLength = 15;

    private TunDevice(string name) => Name = name;

    /// <summary>The interface's name, as the kernel reports it.</summary>
    public string Name { get; }

    /// <summary>
    /// Creates the interface <paramref name="name"/> (down, no address: see <see cref="LinkConfig"/>), owned by this
    /// process.
    /// </summary>
    /// <exception cref="ArgumentException">The name breaks the kernel's rules (<see cref="ValidateName"/>).</exception>
    /// <exception cref="TunUnavailableException">It could not be made: no CAP_NET_ADMIN, no /dev/net/tun, the name
    /// taken by another device; the message is one line for the user.</exception>
    public static TunDevice Create(string name) => throw new NotImplementedException();

    /// <summary>
    /// Checks an interface name as the kernel's dev_valid_name does, plus no '%' (the kernel would number it, and we
    /// need to know the name): 1–15 characters, not "." or "..", no '/', ':', '%' or whitespace.
    /// </summary>
    /// <exception cref="ArgumentException">It breaks a rule; the message says which.</exception>
    public static void ValidateName(string name) => throw new NotImplementedException();

    /// <summary>
    /// Waits for the next packet the kernel routes into the interface and copies it into <paramref name="packet"/>
    /// (give it <see cref="DataChannel.TransportMessage.Mtu"/> bytes at least; a longer packet is cut, as read(2) cuts).
    /// </summary>
    /// <returns>The packet's length, or 0 once disposed.</returns>
    /// <exception cref="IOException">The read failed otherwise (errno in the message).</exception>
    public int Read(Span<byte> packet) => throw new NotImplementedException();

    /// <summary>Hands one IP packet to the kernel, as if it had arrived on the interface.</summary>
    /// <returns>False when the kernel refused the packet as malformed (EINVAL, EIO), or after dispose; true when written.</returns>
    /// <exception cref="IOException">The write failed otherwise (errno in the message).</exception>
    public bool TryWrite(ReadOnlySpan<byte> packet) => throw new NotImplementedException();

    /// <summary>Closes the device (the kernel deletes the interface) and wakes a blocked <see cref="Read"/>. Idempotent.</summary>
    public void Dispose() => throw new NotImplementedException();
}
