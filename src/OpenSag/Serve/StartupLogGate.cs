using Microsoft.Extensions.Logging;

namespace OpenSag.Cli.Serve;

/// <summary>
/// Holds back the framework's errors until the server has started. A start failure (a port in use, say) comes back
/// to <see cref="OpenSagServer"/> as the exception the host throws, which it reports as one line on stderr, or
/// whole if it is a bug; the host and Kestrel would otherwise log the same failure first, stack trace included, on
/// stdout (issue 10 item 6). Warnings and everything after the start pass as usual.
/// </summary>
internal sealed class StartupLogGate
{
    private volatile bool _started;

    /// <summary>Whether a framework message at <paramref name="level"/> may be logged now.</summary>
    public bool Allows(LogLevel level) => _started || level < LogLevel.Error;

    /// <summary>The host has started: from now on every level passes.</summary>
    public void Started() => _started = true;
}
