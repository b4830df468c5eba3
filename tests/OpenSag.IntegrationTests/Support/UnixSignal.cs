using System.Diagnostics;
using System.Globalization;

namespace OpenSag.IntegrationTests.Support;

/// <summary>
/// Sends SIGTERM, what a service manager sends for a graceful stop. <see cref="Process.Kill()"/> sends SIGKILL
/// and .NET has no API for any other signal, so this runs <c>kill -TERM</c>.
/// </summary>
public static class UnixSignal
{
    private const int SigTerm = 15;

    /// <summary>Bound on running <c>kill</c> itself, not on the target's exit.</summary>
    private static readonly TimeSpan KillCommandTimeout = TimeSpan.FromSeconds(15);

    public static Task SendTermAsync(int pid) => SendAsync(pid, SigTerm.ToString(CultureInfo.InvariantCulture));

    /// <summary>Freezes the process (SIGSTOP), as a laptop lid or a debugger would: its sockets stay open, it answers nothing.</summary>
    public static Task SendStopAsync(int pid) => SendAsync(pid, "STOP");

    /// <summary>Lets a frozen process run again (SIGCONT).</summary>
    public static Task SendContinueAsync(int pid) => SendAsync(pid, "CONT");

    private static async Task SendAsync(int pid, string signal)
    {
        var kill = new ProcessStartInfo("kill") { UseShellExecute = false, RedirectStandardError = true };
        kill.ArgumentList.Add("-" + signal);
        kill.ArgumentList.Add(pid.ToString(CultureInfo.InvariantCulture));
        using var process = Process.Start(kill) ?? throw new InvalidOperationException("Could not run kill.");
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(KillCommandTimeout);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -{signal} {pid} failed with {process.ExitCode}: {await stderr.WaitAsync(KillCommandTimeout)}");
        }
    }
}
