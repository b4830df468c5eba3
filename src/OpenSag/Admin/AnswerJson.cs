using System.Text.Encodings.Web;
using System.Text.Json;

namespace OpenSag.Cli.Admin;

/// <summary>
/// How the admin commands print an answer as JSON: indented, letters of any script as they are (not <c>\uXXXX</c>),
/// and every character a terminal would act on or hide (C1 controls, bidirectional overrides, zero-width ones) as
/// a <c>\uXXXX</c> escape: the relaxed encoder escapes C0 and C1 controls but leaves U+202E as it is.
/// </summary>
internal static class AnswerJson
{
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary><paramref name="answer"/> as indented JSON safe to print on a terminal.</summary>
    public static string Serialize<T>(T answer) => TerminalText.EscapeDocument(JsonSerializer.Serialize(answer, Options), TerminalText.JsonReference);
}
