using System.Runtime.InteropServices;

namespace OpenSag.Cli.Serve;

/// <summary>The few POSIX process settings .NET has no API for: the file-creation mask and the open-file limit.</summary>
internal static partial class Posix
{
    // RLIMIT_NOFILE is 7 on Linux (asm-generic/resource.h); rlim_t is an unsigned 64-bit integer on 64-bit Linux.
    private const int RlimitNofile = 7;

    [StructLayout(LayoutKind.Sequential)]
    private struct Rlimit
    {
        public ulong Soft;
        public ulong Hard;
    }

    /// <summary>
    /// Sets the process's file-creation mask to 077, so every file and folder it creates (SQLite's database and its
    /// -wal and -shm, certificates, keys, anything added later) is private to the server's user whatever umask it
    /// was started with; as PostgreSQL's postmaster does. Not on Windows (no umask).
    /// </summary>
    public static void MakeCreatedFilesPrivate()
    {
        if (!OperatingSystem.IsWindows())
        {
            _ = umask(0b000_111_111);
        }
    }

    /// <summary>
    /// Raises the soft RLIMIT_NOFILE to the hard limit (Linux only), and returns both as they are now, or null where
    /// they are not known. The .NET runtime already does this at start on Linux today; doing it here keeps the
    /// gateway's connection cap, derived from the result, from resting on that detail.
    /// </summary>
    public static (ulong Soft, ulong Hard)? RaiseOpenFileLimit()
    {
        if (!OperatingSystem.IsLinux() || getrlimit(RlimitNofile, out var limit) != 0)
        {
            return null;
        }

        if (limit.Soft < limit.Hard && setrlimit(RlimitNofile, limit with { Soft = limit.Hard }) == 0)
        {
            limit.Soft = limit.Hard;
        }

        return (limit.Soft, limit.Hard);
    }

    [LibraryImport("libc")]
    private static partial uint umask(uint mask);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int getrlimit(int resource, out Rlimit limit);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setrlimit(int resource, in Rlimit limit);
}
