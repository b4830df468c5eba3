using System.Diagnostics;
using System.Text;

namespace OpenSag.IntegrationTests.Support;

/// <summary>
/// Collects a child process's stdout and stderr, interleaved, line by line, so a failing test can show
/// everything the process said. Thread-safe: the two streams are read on different threads.
/// </summary>
public sealed class ProcessOutput
{
    private const string ErrorPrefix = "err: ";

    private readonly object _gate = new();
    private readonly StringBuilder _text = new();
    private readonly List<(bool Stderr, Func<string, bool> Match, TaskCompletionSource<string> Found)> _waiters = [];

    /// <summary>Everything received so far; stderr lines are prefixed with "err: ".</summary>
    public string Text
    {
        get
        {
            lock (_gate)
            {
                return _text.ToString();
            }
        }
    }

    /// <summary>Starts reading both redirected streams of <paramref name="process"/> (already started).</summary>
    public void Attach(Process process)
    {
        ArgumentNullException.ThrowIfNull(process);
        process.OutputDataReceived += (_, e) => Append(e.Data, isError: false);
        process.ErrorDataReceived += (_, e) => Append(e.Data, isError: true);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>
    /// A task that completes with the first stdout line (already seen or still to come) that matches.
    /// The caller bounds the wait.
    /// </summary>
    public Task<string> WaitForLineAsync(Func<string, bool> match) => WaitForAsync(stderr: false, match);

    /// <summary>The same for stderr; the line is given to <paramref name="match"/> without its "err: " prefix.</summary>
    public Task<string> WaitForErrorLineAsync(Func<string, bool> match) => WaitForAsync(stderr: true, match);

    private Task<string> WaitForAsync(bool stderr, Func<string, bool> match)
    {
        ArgumentNullException.ThrowIfNull(match);
        lock (_gate)
        {
            foreach (var line in _text.ToString().Split('\n'))
            {
                var isError = line.StartsWith(ErrorPrefix, StringComparison.Ordinal);
                if (isError == stderr && match(isError ? line[ErrorPrefix.Length..] : line))
                {
                    return Task.FromResult(isError ? line[ErrorPrefix.Length..] : line);
                }
            }

            var found = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((stderr, match, found));
            return found.Task;
        }
    }

    private void Append(string? line, bool isError)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            _text.Append(isError ? ErrorPrefix : string.Empty).Append(line).Append('\n');
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Stderr == isError && _waiters[i].Match(line))
                {
                    _waiters[i].Found.TrySetResult(line);
                    _waiters.RemoveAt(i);
                }
            }
        }
    }
}
