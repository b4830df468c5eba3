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

    public static async Task SendTermAsync(int pid)
    {
        var kill = new ProcessStartInfo("kill") { UseShellExecute = false, RedirectStandardError = true };
        kill.ArgumentList.Add("-" + SigTerm.ToString(CultureInfo.InvariantCulture));
        kill.ArgumentList.Add(pid.ToString(CultureInfo.InvariantCulture));
        using var process = Process.Start(kill) ?? throw new InvalidOperationException("Could not run kill.");
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(KillCommandTimeout);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -TERM {pid} failed with {process.ExitCode}: {await stderr.WaitAsync(KillCommandTimeout)}");
        }
    }
}
