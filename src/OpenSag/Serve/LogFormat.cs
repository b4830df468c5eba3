using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace OpenSag.Cli.Serve;

/// <summary>
/// <c>serve --log-format</c>: <see cref="Text"/>, one escaped line per entry (<see cref="EscapingConsoleFormatter"/>), or
/// <see cref="Json"/>, one JSON object per line from Microsoft.Extensions.Logging's own JSON console formatter, for log
/// collectors. Under JSON every line on stdout is such an object: the start-up lines (listening addresses, the generated
/// root key) are written as log entries too (<see cref="Announce"/>).
/// </summary>
internal static class LogFormat
{
    public const string Text = "text";
    public const string Json = "json";

    /// <summary>Adds the console logger in <paramref name="format"/>.</summary>
    public static void AddConsole(ILoggingBuilder logging, string format)
    {
        if (format == Json)
        {
            // UTC, to the millisecond, and no scopes: Kestrel's (connection and request ids) would add an array to every
            // entry that log collectors index as fields of their own.
            logging.AddJsonConsole(o =>
            {
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";
                o.IncludeScopes = false;
            });
        }
        else
        {
            // One line per entry with control characters of caller values escaped (EscapingConsoleFormatter).
            logging.AddConsole(o => o.FormatterName = EscapingConsoleFormatter.FormatterName)
                .AddConsoleFormatter<EscapingConsoleFormatter, ConsoleFormatterOptions>();
        }
    }

    /// <summary>
    /// Writes a start-up line (for people and for scripts that wait for it): as it is under <see cref="Text"/>, as an
    /// Information entry of <paramref name="logger"/> under <see cref="Json"/>.
    /// </summary>
    public static void Announce(ILogger logger, string format, string line)
    {
        if (format == Json)
        {
            logger.LogInformation("{Announcement}", line);
        }
        else
        {
            Console.WriteLine(line);
        }
    }
}
