using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace OpenSag.Gateway.Tun;

/// <summary>
/// The libc calls and constants behind <see cref="TunDevice"/>. The numbers are the same on x86-64 and arm64 (both
/// use asm-generic's fcntl.h, ioctl.h and poll.h), the two platforms we ship for.
/// </summary>
[SupportedOSPlatform("linux")]
internal static partial class LinuxTun
{
    public const int ORdWr = 0x2;
    public const int ONonBlock = 0x800;
    public const int OCloExec = 0x80000;

    public const int EfdNonBlock = ONonBlock;
    public const int EfdCloExec = OCloExec;

    /// <summary>_IOW('T', 202, int): (1 &lt;&lt; 30) | (sizeof(int) &lt;&lt; 16) | ('T' &lt;&lt; 8) | 202 (linux/if_tun.h).</summary>
    public const nuint TunSetIff = 0x400454CA;

    public const short IffTun = 0x0001;
    public const short IffNoPi = 0x1000;

    /// <summary>sizeof(struct ifreq) on 64-bit Linux: a 16-byte name, then a 24-byte union whose first member (flags) we set.</summary>
    public const int IfReqLength = 40;
    public const int IfNameSize = 16;

    public const short PollIn = 0x1;

    public const int EIntr = 4;
    public const int EIo = 5;
    public const int ENxio = 6;
    public const int EAgain = 11;
    public const int ENoMem = 12;
    public const int EAcces = 13;
    public const int EBusy = 16;
    public const int ENoDev = 19;
    public const int EInval = 22;
    public const int ENoBufs = 105;
    public const int EPerm = 1;
    public const int ENoEnt = 2;

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    public static partial int Ioctl(int fd, nuint request, ref byte argument);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, ref byte buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, ref byte buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    public static partial int Poll(ref PollFd fds, nuint count, int timeoutMilliseconds);

    [LibraryImport("libc", EntryPoint = "eventfd", SetLastError = true)]
    public static partial int EventFd(uint initial, int flags);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    /// <summary>strerror's text for an errno, lower-cased at the start for use mid-sentence ("permission denied").</summary>
    public static string Describe(int errno)
    {
        var text = Marshal.GetPInvokeErrorMessage(errno);
        return text.Length > 0 ? char.ToLowerInvariant(text[0]) + text[1..] : "error " + errno;
    }
}
