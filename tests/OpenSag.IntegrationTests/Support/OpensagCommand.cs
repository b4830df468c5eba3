using System.Diagnostics;

namespace OpenSag.IntegrationTests.Support;

/// <summary>
/// Runs any <c>opensag</c> command (or another program, e.g. <c>dotnet run</c>) to its end, bounded in time, with
/// none of the developer's OPENSAG_* variables, and captures what it printed: for what a user sees on a mistake.
/// </summary>
public static class OpensagCommand
{
    /// <summary>A dotnet process start and a failure path; a hang is the only thing this catches.</summary>
    public static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(60);

    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        /// <summary>The non-empty stderr lines.</summary>
        public IReadOnlyList<string> ErrorLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

        public override string ToString() => $"exit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}";
    }

    /// <summary>Runs <c>dotnet opensag.dll <paramref name="arguments"/></c>.</summary>
    public static Task<Result> RunAsync(IReadOnlyDictionary<string, string?> environment, params string[] arguments) =>
        RunProgramAsync(RepositoryLayout.DotnetHost, [RepositoryLayout.ServerAssemblyPath, .. arguments], environment, workingDirectory: null);

    /// <summary>Runs <paramref name="program"/> in <paramref name="workingDirectory"/> (default: the test's).</summary>
    public static async Task<Result> RunProgramAsync(string program, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?> environment, string? workingDirectory)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(environment);
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            // Not a terminal: connect never waits at a password prompt.
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? "",
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("OPENSAG_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }

        start.Environment["HOME"] = Path.GetTempPath();
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {program}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(RunTimeout);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync().WaitAsync(RunTimeout);
            throw new TimeoutException($"{program} {string.Join(' ', start.ArgumentList)} did not finish within {RunTimeout.TotalSeconds} s.\nstdout: {await stdout}\nstderr: {await stderr}");
        }

        return new Result(process.ExitCode, await stdout, await stderr);
    }
}
