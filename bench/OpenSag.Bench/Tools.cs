using System.Diagnostics;

namespace OpenSag.Bench;

/// <summary>External programs of the stream-path lab (ip, iperf3, stunnel, OpenSSH): finding them and running them to the end.</summary>
internal static class Tools
{
    /// <summary>The outcome of a program run to its end (exit code -1: it did not end in time and was killed).</summary>
    public sealed record Ran(string Command, int ExitCode, string Output, string Error);

    /// <summary>The full path of <paramref name="name"/> on PATH or in the sbin folders (sshd lives there, often off PATH), or null.</summary>
    public static string? Find(string name)
    {
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries);
        return path.Concat(["/usr/sbin", "/sbin", "/usr/bin", "/bin"])
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
    }

    /// <summary>Runs a program to its end, at most <paramref name="timeout"/> (then kills it), capturing what it printed;
    /// <paramref name="input"/>, if any, is written to its standard input, which is then closed.</summary>
    public static Ran Run(IReadOnlyList<string> command, TimeSpan timeout, string? input = null)
    {
        using var process = Process.Start(Info(command)) ?? throw new InvalidOperationException("could not start " + command[0]);
        if (input is not null)
        {
            process.StandardInput.Write(input);
            process.StandardInput.Close();
        }

        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            return new(string.Join(' ', command), -1, output.Result, error.Result);
        }

        return new(string.Join(' ', command), process.ExitCode, output.Result, error.Result);
    }

    /// <summary>As <see cref="Run"/>, without blocking a thread while the program runs (for iperf3's seconds-long runs).</summary>
    public static async Task<Ran> RunAsync(IReadOnlyList<string> command, TimeSpan timeout)
    {
        using var process = Process.Start(Info(command)) ?? throw new InvalidOperationException("could not start " + command[0]);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            return new(string.Join(' ', command), -1, await output, await error);
        }

        return new(string.Join(' ', command), process.ExitCode, await output, await error);
    }

    public static ProcessStartInfo Info(IReadOnlyList<string> command, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(command[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in command.Skip(1))
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        return info;
    }
}

/// <summary>
/// A long-running program of the lab (a tunnel end, a server): its output kept to the last lines for error messages,
/// stopped with SIGTERM (so <c>opensag connect</c> logs out and ssh closes its connection) and SIGKILL after 5 s.
/// </summary>
internal sealed class LabProcess : IAsyncDisposable
{
    private const int TailLines = 20;
    private readonly Process _process;
    private readonly Queue<string> _tail = new();

    private LabProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    public string Name { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <param name="input">Written to its standard input, which is then closed (openconnect's <c>--passwd-on-stdin</c>);
    /// without it standard input stays open and empty.</param>
    public static LabProcess Start(string name, IReadOnlyList<string> command, IReadOnlyDictionary<string, string>? environment = null, string? input = null)
    {
        var process = Process.Start(Tools.Info(command, environment)) ?? throw new InvalidOperationException("could not start " + command[0]);
        if (input is not null)
        {
            process.StandardInput.Write(input);
            process.StandardInput.Close();
        }

        var started = new LabProcess(name, process);
        process.OutputDataReceived += (_, e) => started.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => started.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return started;
    }

    /// <summary>The last lines it printed, for an error message.</summary>
    public string Tail()
    {
        lock (_tail)
        {
            return $"{Name} (pid {Pid}{(_process.HasExited ? $", exited {_process.ExitCode}" : "")}): " + string.Join(" | ", _tail);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Native.Signal(_process.Id, Native.SigTerm);
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await _process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }

        _process.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_tail)
        {
            _tail.Enqueue(line);
            while (_tail.Count > TailLines)
            {
                _tail.Dequeue();
            }
        }
    }
}
