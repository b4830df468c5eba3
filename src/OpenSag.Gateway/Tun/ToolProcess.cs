using System.Diagnostics;

namespace OpenSag.Gateway.Tun;

/// <summary>Runs a system tool (ip, resolvectl) to its end with a time limit and returns what it said.</summary>
internal static class ToolProcess
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    /// <summary>The tool's exit code, stdout, and stderr folded to one line.</summary>
    internal readonly record struct Result(int ExitCode, string Output, string Error);

    /// <summary>Finds the first of <paramref name="candidates"/> that exists, or null.</summary>
    public static string? Find(params string[] candidates) => candidates.FirstOrDefault(File.Exists);

    /// <summary>Whether <paramref name="program"/> is in a directory of PATH; its full path, else null.</summary>
    public static string? OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, program))
            .FirstOrDefault(File.Exists);

    /// <summary>Runs <paramref name="program"/> with <paramref name="arguments"/> (no shell), waiting at most 10 s.</summary>
    /// <exception cref="InvalidOperationException">It could not be started, or did not end in time (then it is killed).</exception>
    public static Result Run(string program, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException(program + " did not start");
        // Blocking reads on threads of their own, never async ones: on Linux an async pipe read completes through the
        // socket engine's event-loop threads, and `connect` runs socket completions inline on them
        // (DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS), so an ip call made from such a continuation (the login's,
        // which configures the interface) waited for a read that only the thread it blocked could complete, whenever
        // the pipe was registered with that thread's engine: `connect --tun` hung before "online" (about half the starts).
        var error = Task.Factory.StartNew(() => process.StandardError.ReadToEnd(), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        var output = Task.Factory.StartNew(() => process.StandardOutput.ReadToEnd(), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        if (!process.WaitForExit(Limit))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{program} did not finish within {Limit.TotalSeconds:0} s");
        }

        // Both streams end with the process; WaitForExit() without a limit waits for them to be read to their end.
        process.WaitForExit();
        return new Result(process.ExitCode, output.Result, OneLine(error.Result));
    }

    private static string OneLine(string text) =>
        string.Join("; ", text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
