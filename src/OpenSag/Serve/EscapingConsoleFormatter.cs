using System.Buffers;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace OpenSag.Cli.Serve;

/// <summary>
/// The server's log format: one line per entry, <c>2026-03-04T05:06:07.089Z info: Category[0] message exception</c>
/// (the simple console format in single-line mode, UTC), with every character that could forge or hide log
/// content escaped in the message and the exception text: C0/C1 controls (ESC, CR, LF, NUL…), Unicode format
/// characters (bidirectional overrides, zero-width), line and paragraph separators, lone surrogates, and the
/// backslash itself so that an escape cannot be faked. Values from callers (user names, parameters, peer data)
/// reach the log through many messages; escaping them here, where every message is rendered, covers them all.
/// </summary>
internal sealed class EscapingConsoleFormatter() : ConsoleFormatter(FormatterName)
{
    public const string FormatterName = "opensag";

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        ArgumentNullException.ThrowIfNull(textWriter);
        var message = logEntry.Formatter?.Invoke(logEntry.State, logEntry.Exception);
        if (message is null && logEntry.Exception is null)
        {
            return;
        }

        var line = new StringBuilder(128);
        line.Append(DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z' ", CultureInfo.InvariantCulture))
            .Append(Abbreviation(logEntry.LogLevel))
            .Append(": ");
        AppendEscaped(line, logEntry.Category);
        line.Append('[').Append(logEntry.EventId.Id.ToString(CultureInfo.InvariantCulture)).Append("] ");
        AppendEscaped(line, message ?? "");
        if (logEntry.Exception is { } exception)
        {
            line.Append(' ');
            AppendEscaped(line, exception.ToString());
        }

        textWriter.Write(line.Append(Environment.NewLine));
    }

    /// <summary>Appends <paramref name="text"/> with the characters named in the class summary written as escapes.</summary>
    internal static void AppendEscaped(StringBuilder line, string text)
    {
        var rest = text.AsSpan();
        while (!rest.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(rest, out var rune, out var consumed) != OperationStatus.Done)
            {
                // A lone surrogate: not text, and a terminal or JSON log shipper would mangle it.
                line.Append(CultureInfo.InvariantCulture, $"\\u{(int)rest[0]:X4}");
                rest = rest[1..];
                continue;
            }

            switch (rune.Value)
            {
                case '\\': line.Append(@"\\"); break;
                case '\n': line.Append(@"\n"); break;
                case '\r': line.Append(@"\r"); break;
                case '\t': line.Append(@"\t"); break;
                case '\0': line.Append(@"\0"); break;
                default:
                    if (IsHidden(rune))
                    {
                        var (prefix, digits) = rune.Value <= 0xFF ? ("\\x", "X2") : rune.IsBmp ? ("\\u", "X4") : ("\\U", "X8");
                        line.Append(prefix).Append(rune.Value.ToString(digits, CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        line.Append(rest[..consumed]);
                    }

                    break;
            }

            rest = rest[consumed..];
        }
    }

    private static bool IsHidden(Rune rune) => Rune.GetUnicodeCategory(rune) is
        UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;

    private static string Abbreviation(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        LogLevel.Critical => "crit",
        _ => "none",
    };
}
