using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using System.Text;

namespace OpenSag.Gateway.Tun;

/// <summary>
/// A Linux TUN interface (layer 3, IFF_TUN | IFF_NO_PI: each read or write is exactly one IP packet, no extra
/// header), open for as long as this object lives. Not persistent: disposing closes the file descriptor and the
/// kernel deletes the interface with its addresses and routes; that is how a client removes it on exit (also when
/// killed, since the kernel closes a dead process's descriptors).
/// <para>
/// One thread reads (<see cref="Read"/> blocks), any thread writes. The descriptor is non-blocking: a read tries
/// the device first and only polls when it is empty, so a busy reader makes one syscall per packet; the poll also
/// watches an eventfd that <see cref="Dispose"/> signals, which wakes a blocked reader at once (closing a descriptor
/// does not wake a thread blocked on it).
/// </para>
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class TunDevice : IDisposable
{
    /// <summary>Longest interface name: IFNAMSIZ (16) less its terminating NUL.</summary>
    public const int MaxNameLength = LinuxTun.IfNameSize - 1;

    private const string ClonePath = "/dev/net/tun";

    /// <summary>_IOR('T', 210, unsigned int) (linux/if_tun.h): reads the interface's name and flags back.</summary>
    private const nuint TunGetIff = 0x800454D2;

    private const short IffPersist = 0x0800;

    private readonly FileDescriptor _device;
    private readonly FileDescriptor _wake;
    private int _disposed;

    private TunDevice(string name, FileDescriptor device, FileDescriptor wake)
    {
        Name = name;
        _device = device;
        _wake = wake;
    }

    /// <summary>The interface's name, as the kernel reports it.</summary>
    public string Name { get; }

    /// <summary>
    /// Creates the interface <paramref name="name"/> in the calling thread's network namespace (down, no address: see
    /// <see cref="LinkConfig"/>), owned by this object.
    /// </summary>
    /// <exception cref="ArgumentException">The name breaks the kernel's rules (<see cref="ValidateName"/>).</exception>
    /// <exception cref="TunUnavailableException">It could not be made: no CAP_NET_ADMIN, no /dev/net/tun, the name
    /// taken by another device; the message is one line for the user.</exception>
    public static TunDevice Create(string name)
    {
        ValidateName(name);
        var cannot = $"cannot create the TUN interface {name}";
        var fd = LinuxTun.Open(ClonePath, LinuxTun.ORdWr | LinuxTun.ONonBlock | LinuxTun.OCloExec);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new TunUnavailableException(errno switch
            {
                LinuxTun.ENoEnt or LinuxTun.ENoDev or LinuxTun.ENxio => $"{cannot}: {ClonePath} is missing (load the tun module: modprobe tun)",
                LinuxTun.EAcces or LinuxTun.EPerm => $"{cannot}: permission denied opening {ClonePath}; it needs CAP_NET_ADMIN (run as root or grant the capability)",
                _ => $"{cannot}: opening {ClonePath} failed: {LinuxTun.Describe(errno)}",
            });
        }

        var device = new FileDescriptor(fd);
        try
        {
            Span<byte> request = stackalloc byte[LinuxTun.IfReqLength];
            request.Clear();
            Encoding.ASCII.GetBytes(name, request);
            MemoryMarshal.Write(request[LinuxTun.IfNameSize..], (short)(LinuxTun.IffTun | LinuxTun.IffNoPi));
            if (LinuxTun.Ioctl(fd, LinuxTun.TunSetIff, ref request[0]) < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                throw new TunUnavailableException(errno switch
                {
                    LinuxTun.EPerm or LinuxTun.EAcces => $"{cannot}: permission denied; it needs CAP_NET_ADMIN (run as root or grant the capability)",
                    // tun_set_iff: an existing device of another kind (or a TAP) under this name.
                    LinuxTun.EInval => $"{cannot}: the name is in use by a device that is not a TUN interface (ip link show {name}); choose another name",
                    LinuxTun.EBusy => $"{cannot}: the name is in use by another program's TUN interface (another opensag running?); choose another name",
                    _ => $"{cannot}: {LinuxTun.Describe(errno)}",
                });
            }

            // Root may attach to an existing persistent TUN of the same name; that one outlives us and is not ours.
            if (LinuxTun.Ioctl(fd, TunGetIff, ref request[0]) == 0 && (MemoryMarshal.Read<short>(request[LinuxTun.IfNameSize..]) & IffPersist) != 0)
            {
                throw new TunUnavailableException($"{cannot}: the name is in use by a persistent TUN interface that is not ours (ip tuntap del dev {name} mode tun)");
            }

            var terminator = request[..LinuxTun.IfNameSize].IndexOf((byte)0);
            var actual = Encoding.ASCII.GetString(request[..(terminator < 0 ? LinuxTun.IfNameSize : terminator)]);
            var wake = LinuxTun.EventFd(0, LinuxTun.EfdCloExec | LinuxTun.EfdNonBlock);
            if (wake < 0)
            {
                throw new TunUnavailableException($"{cannot}: eventfd failed: {LinuxTun.Describe(Marshal.GetLastPInvokeError())}");
            }

            return new TunDevice(actual, device, new FileDescriptor(wake));
        }
        catch
        {
            device.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Checks an interface name as the kernel's dev_valid_name does, a little stricter: 1–15 printable ASCII
    /// characters, not "." or "..", no '/', ':' (kernel rules), no whitespace, and no '%' (the kernel would number
    /// it, and we need to know the name).
    /// </summary>
    /// <exception cref="ArgumentException">It breaks a rule; the message says which (<see cref="DescribeInvalidName"/>).</exception>
    public static void ValidateName(string name)
    {
        if (DescribeInvalidName(name) is { } reason)
        {
            throw new ArgumentException(reason, nameof(name));
        }
    }

    /// <summary>
    /// Why <paramref name="name"/> breaks <see cref="ValidateName"/>'s rules, as one sentence for the user who typed it
    /// (<c>serve --tun</c>, <c>connect --tun-name</c>), or null when it keeps them. Kept apart from the exception, whose
    /// message .NET ends with " (Parameter 'name')", a name the user never typed.
    /// </summary>
    public static string? DescribeInvalidName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length is 0 or > MaxNameLength)
        {
            return $"An interface name is 1 to {MaxNameLength} characters; '{name}' has {name.Length}.";
        }

        return name is "." or ".." || name.Any(c => c is '/' or ':' or '%' || c <= ' ' || c > '~')
            ? $"'{name}' is not a usable interface name: use letters, digits and punctuation other than '/', ':' and '%', and not '.' or '..'."
            : null;
    }

    /// <summary>
    /// Waits for the next packet the kernel routes into the interface and copies it into <paramref name="packet"/>
    /// (give it <see cref="DataChannel.TransportMessage.Mtu"/> bytes at least; a longer packet, which only comes when
    /// someone raised the interface's MTU, is cut to the buffer: its IPv4 total length then exceeds what was read).
    /// </summary>
    /// <returns>The packet's length (at most the buffer's), or 0 once disposed.</returns>
    /// <exception cref="ArgumentException"><paramref name="packet"/> is empty.</exception>
    /// <exception cref="IOException">The read failed otherwise, e.g. the interface was deleted under us (errno in the message).</exception>
    public int Read(Span<byte> packet) => Math.Max(ReadCore(packet, wait: true), 0);

    /// <summary>
    /// Like <see cref="Read"/>, without waiting: a reader drains what is queued, then does its once-per-burst work
    /// (sending a batch of datagrams) before it blocks.
    /// </summary>
    /// <returns>False when no packet is queued (or after dispose, with <paramref name="length"/> 0).</returns>
    /// <exception cref="ArgumentException"><paramref name="packet"/> is empty.</exception>
    /// <exception cref="IOException">The read failed otherwise (errno in the message).</exception>
    public bool TryRead(Span<byte> packet, out int length)
    {
        length = ReadCore(packet, wait: false);
        if (length > 0)
        {
            return true;
        }

        length = 0;
        return false;
    }

    /// <summary>The packet's length, 0 once disposed, −1 when none is queued and <paramref name="wait"/> is false.</summary>
    private int ReadCore(Span<byte> packet, bool wait)
    {
        if (packet.IsEmpty)
        {
            throw new ArgumentException("The packet buffer is empty.", nameof(packet));
        }

        bool device = false, wake = false;
        try
        {
            if (!TryAddRef(_device, ref device) || !TryAddRef(_wake, ref wake))
            {
                return 0;
            }

            Span<LinuxTun.PollFd> poll =
            [
                new() { Fd = _device.Number, Events = LinuxTun.PollIn },
                new() { Fd = _wake.Number, Events = LinuxTun.PollIn },
            ];
            while (Volatile.Read(ref _disposed) == 0)
            {
                var length = LinuxTun.Read(_device.Number, ref MemoryMarshal.GetReference(packet), (nuint)packet.Length);
                if (length >= 0)
                {
                    // A packet longer than the buffer is cut to it; never report more than was copied, whatever
                    // length a kernel version returns for a cut packet.
                    return (int)Math.Min(length, packet.Length);
                }

                var errno = Marshal.GetLastPInvokeError();
                if (errno == LinuxTun.EAgain && !wait)
                {
                    return -1;
                }

                if (errno == LinuxTun.EAgain)
                {
                    // Wait for a packet or for Dispose; the eventfd stays readable once signalled, so no wake-up is lost.
                    if (LinuxTun.Poll(ref poll[0], (nuint)poll.Length, -1) < 0 && Marshal.GetLastPInvokeError() is var pollErrno && pollErrno != LinuxTun.EIntr)
                    {
                        throw new IOException($"waiting on the TUN interface {Name} failed: {LinuxTun.Describe(pollErrno)}");
                    }
                }
                else if (errno != LinuxTun.EIntr)
                {
                    throw new IOException($"reading the TUN interface {Name} failed: {LinuxTun.Describe(errno)}");
                }
            }

            return 0;
        }
        finally
        {
            Release(_wake, wake);
            Release(_device, device);
        }
    }

    /// <summary>Hands one IP packet to the kernel, as if it had arrived on the interface.</summary>
    /// <returns>True when written; false (dropped) when the kernel refused it as malformed (EINVAL, EIO), had no room
    /// (EAGAIN, ENOBUFS, ENOMEM), the packet is empty, or after dispose.</returns>
    /// <exception cref="IOException">The write failed otherwise, e.g. the interface was deleted under us (errno in the message).</exception>
    public bool TryWrite(ReadOnlySpan<byte> packet)
    {
        bool device = false;
        try
        {
            if (packet.IsEmpty || !TryAddRef(_device, ref device) || Volatile.Read(ref _disposed) != 0)
            {
                return false;
            }

            while (true)
            {
                if (LinuxTun.Write(_device.Number, ref MemoryMarshal.GetReference(packet), (nuint)packet.Length) >= 0)
                {
                    return true;
                }

                switch (Marshal.GetLastPInvokeError())
                {
                    case LinuxTun.EIntr:
                        continue;
                    case LinuxTun.EInval or LinuxTun.EIo or LinuxTun.EAgain or LinuxTun.ENoBufs or LinuxTun.ENoMem:
                        return false;
                    case var errno:
                        throw new IOException($"writing to the TUN interface {Name} failed: {LinuxTun.Describe(errno)}");
                }
            }
        }
        finally
        {
            Release(_device, device);
        }
    }

    /// <summary>
    /// Wakes a blocked <see cref="Read"/> (it returns 0) and closes the device once no call uses it; the kernel then
    /// deletes the interface. Idempotent.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        bool wake = false;
        try
        {
            if (TryAddRef(_wake, ref wake))
            {
                // An eventfd takes an 8-byte count; any non-zero value makes it readable.
                Span<byte> one = stackalloc byte[sizeof(ulong)];
                MemoryMarshal.Write(one, 1UL);
                _ = LinuxTun.Write(_wake.Number, ref one[0], (nuint)one.Length);
            }
        }
        finally
        {
            Release(_wake, wake);
        }

        _device.Dispose();
        _wake.Dispose();
    }

    public override string ToString() => "TUN interface " + Name;

    private static bool TryAddRef(FileDescriptor descriptor, ref bool added)
    {
        try
        {
            descriptor.DangerousAddRef(ref added);
            return added;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
    }

    private static void Release(FileDescriptor descriptor, bool added)
    {
        if (added)
        {
            descriptor.DangerousRelease();
        }
    }
}
