using System.Runtime.InteropServices;

namespace OpenSag.Bench;

/// <summary>Raises this process's open-file limit (children inherit it), never the system's; signals and CPU times of processes.</summary>
internal static partial class Native
{
    private const int RlimitNofile = 7;

    [StructLayout(LayoutKind.Sequential)]
    private struct Rlimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int getrlimit(int resource, out Rlimit limit);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setrlimit(int resource, in Rlimit limit);

    /// <summary>Sets the soft limit to the hard limit; returns the soft limit now in force.</summary>
    public static ulong RaiseOpenFileLimit()
    {
        if (!OperatingSystem.IsLinux() || getrlimit(RlimitNofile, out var limit) != 0)
        {
            return 0;
        }

        if (limit.Current < limit.Maximum)
        {
            var raised = limit with { Current = limit.Maximum };
            if (setrlimit(RlimitNofile, raised) == 0)
            {
                return raised.Current;
            }
        }

        return limit.Current;
    }

    /// <summary>VmRSS of a process in KiB, from /proc/PID/status.</summary>
    public static long RssKiB(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }

    public const int SigKill = 9;
    public const int SigTerm = 15;
    private const int ScClockTicks = 2;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SendSignal(int pid, int signal);

    [LibraryImport("libc")]
    private static partial long sysconf(int name);

    /// <summary>Sends a signal to one process (kill(2)); a process that has already gone is no error.</summary>
    public static void Signal(int pid, int signal) => _ = SendSignal(pid, signal);

    /// <summary>
    /// CPU seconds (user + system, all threads) used so far by <paramref name="pid"/> and every process below it, by process
    /// id, from /proc/PID/stat's utime and stime (fields 14 and 15, in clock ticks). A process gone meanwhile is left out.
    /// </summary>
    public static Dictionary<int, double> CpuSecondsOfTree(int pid)
    {
        var ticksPerSecond = (double)sysconf(ScClockTicks);
        var parents = new Dictionary<int, int>();
        var cpu = new Dictionary<int, double>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), System.Globalization.CultureInfo.InvariantCulture, out var p))
            {
                continue;
            }

            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(dir, "stat"));
            }
            catch (IOException)
            {
                continue;
            }

            // The command name (field 2) is in parentheses and may hold spaces: the fields after it start at the last ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            parents[p] = int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture);
            cpu[p] = (long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture)) / ticksPerSecond;
        }

        var tree = new Dictionary<int, double>();
        foreach (var (p, seconds) in cpu)
        {
            for (var q = p; q > 1; q = parents.GetValueOrDefault(q))
            {
                if (q == pid)
                {
                    tree[p] = seconds;
                    break;
                }
            }
        }

        return tree;
    }


    public static string Machine()
    {
        var memKiB = 0L;
        var cpu = "";
        if (File.Exists("/proc/meminfo"))
        {
            var total = File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
            if (total is not null)
            {
                memKiB = long.Parse(total.AsSpan(9).Trim().TrimEnd("kB").Trim(), System.Globalization.CultureInfo.InvariantCulture);
            }

            cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "";
        }

        return $"{Environment.ProcessorCount} cores ({cpu}), {memKiB / 1024 / 1024.0:F1} GiB memory, {RuntimeInformation.OSDescription}, .NET {Environment.Version}";
    }
}
