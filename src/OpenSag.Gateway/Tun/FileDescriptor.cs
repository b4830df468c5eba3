using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace OpenSag.Gateway.Tun;

/// <summary>
/// A file descriptor closed exactly once, when it is disposed and no call that added a reference
/// (<see cref="SafeHandle.DangerousAddRef"/>) still uses it: so a descriptor number is never closed under a blocked
/// read and then reused by another open.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class FileDescriptor : SafeHandle
{
    public FileDescriptor(int fd)
        : base(-1, ownsHandle: true) => SetHandle(fd);

    public override bool IsInvalid => handle < 0;

    /// <summary>The descriptor's number (only while a reference is held).</summary>
    public int Number => (int)handle;

    protected override bool ReleaseHandle() => LinuxTun.Close((int)handle) == 0;
}
