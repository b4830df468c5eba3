using System.Text.Json;

namespace OpenSag.Cli.Admin;

/// <summary>An API answer as it came: the HTTP status and body, read as the API's JSON when it is.</summary>
/// <param name="Status">The HTTP status code.</param>
/// <param name="Body">The body text (JSON, or XML with <c>Format=XML</c>).</param>
internal sealed record ApiAnswer(int Status, string Body)
{
    /// <summary>The body as JSON, or null when it is not (XML, or something that is not the API).</summary>
    public JsonElement? Json { get; } = Parse(Body);

    /// <summary>An error answer: a failing status, or the API's error object (<c>Code</c>) whatever the status.</summary>
    public bool IsError => Status >= 400 || (Json is { ValueKind: JsonValueKind.Object } json && json.TryGetProperty(nameof(Code), out _));

    /// <summary>The error's <c>Code</c> (e.g. <c>SAG.InstanceNoFound</c>), or <c>HTTP 502</c> when the body has none.</summary>
    public string Code => Json is { ValueKind: JsonValueKind.Object } json && json.TryGetProperty(nameof(Code), out var c) && c.ValueKind == JsonValueKind.String
        ? c.GetString()!
        : $"HTTP {Status}";

    /// <summary>
    /// <c>ERROR: Code: Message (HTTP 400, RequestId …)</c>, one line, escaped for a terminal: the message can quote a
    /// caller's value (a parameter name), and the body of something that is not the API can hold anything.
    /// </summary>
    public string ErrorLine
    {
        get
        {
            var json = Json is { ValueKind: JsonValueKind.Object } j ? j : default;
            var message = json.ValueKind == JsonValueKind.Object && json.TryGetProperty("Message", out var m) ? m.ToString() : Body;
            var requestId = json.ValueKind == JsonValueKind.Object && json.TryGetProperty("RequestId", out var r) ? r.ToString() : "";
            return TerminalText.Escape($"ERROR: {Code}: {message} (HTTP {Status}, RequestId {requestId})");
        }
    }

    private static JsonElement? Parse(string body)
    {
        try
        {
            return JsonSerializer.Deserialize<JsonElement>(body);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
