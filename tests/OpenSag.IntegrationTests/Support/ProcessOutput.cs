using System.Diagnostics;
using System.Text;

namespace OpenSag.IntegrationTests.Support;

/// <summary>
/// Collects a child process's stdout and stderr, interleaved, line by line, so a failing test can show
/// everything the process said. Thread-safe: the two streams are read on different threads.
/// </summary>
public sealed class ProcessOutput
{
    private readonly object _gate = new();
    private readonly StringBuilder _text = new();
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Found)> _waiters = [];

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
    public Task<string> WaitForLineAsync(Func<string, bool> match)
    {
        ArgumentNullException.ThrowIfNull(match);
        lock (_gate)
        {
            foreach (var line in _text.ToString().Split('\n'))
            {
                if (!line.StartsWith("err: ", StringComparison.Ordinal) && match(line))
                {
                    return Task.FromResult(line);
                }
            }

            var found = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((match, found));
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
            _text.Append(isError ? "err: " : string.Empty).Append(line).Append('\n');
            if (isError)
            {
                return;
            }

            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(line))
                {
                    _waiters[i].Found.TrySetResult(line);
                    _waiters.RemoveAt(i);
                }
            }
        }
    }
}
