using System.Text.Json;
using OpenSag.Api.Responses;

namespace OpenSag.Cli.Admin;

/// <summary>
/// An API answer for people, laid out by the action's declared answer (the catalogue's <see cref="ResponseShape"/>,
/// the declaration the server writes it through), so every action gets the same layout without one of its own:
/// each scalar field as a <c>Name: value</c> line, a nested object as its name and its own lines indented, a list
/// of objects as a <see cref="TextTable"/> with the item fields as columns, a list of strings on one line.
/// </summary>
internal static class AnswerTable
{
    /// <summary>Writes <paramref name="answer"/> (a success answer, JSON) laid out by <paramref name="shape"/>.</summary>
    public static void Write(TextWriter output, ResponseShape shape, JsonElement answer)
    {
        if (answer.TryGetProperty("RequestId", out var requestId))
        {
            output.WriteLine("RequestId: " + TerminalText.Escape(Cell(requestId)));
        }

        WriteFields(output, shape.Fields, answer, "");

        // A field the catalogue does not declare (a newer server) is shown too rather than hidden.
        var declared = shape.Fields.Select(f => f.Name).Append("RequestId").ToHashSet(StringComparer.Ordinal);
        foreach (var extra in answer.EnumerateObject().Where(p => !declared.Contains(p.Name)))
        {
            output.WriteLine(TerminalText.Escape(extra.Name + ": " + Cell(extra.Value)));
        }
    }

    private static void WriteFields(TextWriter output, IReadOnlyList<ResponseField> fields, JsonElement value, string indent)
    {
        foreach (var field in fields)
        {
            if (!value.TryGetProperty(field.Name, out var member))
            {
                continue;
            }

            var items = Items(field, member);
            if (field.Kind == ResponseFieldKind.Object && field.Members is { } members && member.ValueKind == JsonValueKind.Object)
            {
                output.WriteLine($"{indent}{field.Name}:");
                WriteFields(output, members.Fields, member, indent + "  ");
            }
            else if (items is null || field.Members is not { Fields.Count: > 0 } item)
            {
                output.WriteLine($"{indent}{field.Name}: {(items is [] ? "none" : TerminalText.Escape(Cell(member)))}");
            }
            else if (items.Count == 0)
            {
                output.WriteLine($"{indent}{field.Name}: none");
            }
            else
            {
                // A blank line and the list's name set the table apart from the scalar lines above it.
                output.WriteLine();
                output.WriteLine($"{indent}{field.Name}:");
                var header = item.Fields.Select(f => f.Name).ToList();
                var rows = items.Select(i => (IReadOnlyList<string>)[.. item.Fields.Select(f => i.TryGetProperty(f.Name, out var v) ? Cell(v) : "")]);
                var table = new StringWriter();
                TextTable.Write(table, header, rows);
                foreach (var line in table.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries))
                {
                    output.WriteLine(indent + line);
                }
            }
        }
    }

    /// <summary>A list field's items (<c>{"Users":{"User":[…]}}</c> or a bare array), or null for any other field.</summary>
    private static List<JsonElement>? Items(ResponseField field, JsonElement member) => field.Kind switch
    {
        ResponseFieldKind.WrappedList when member.ValueKind == JsonValueKind.Object && field.ItemName is { } itemName
            && member.TryGetProperty(itemName, out var array) && array.ValueKind == JsonValueKind.Array => [.. array.EnumerateArray()],
        ResponseFieldKind.PlainList when member.ValueKind == JsonValueKind.Array => [.. member.EnumerateArray()],
        _ => null,
    };

    /// <summary>
    /// One value on one line: a string as it is, a number or boolean as written, a list of strings comma-separated
    /// (wrapped or bare), anything else as compact JSON. Escaped where it is written (<see cref="TextTable"/> escapes its cells).
    /// </summary>
    private static string Cell(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Null => "",
        JsonValueKind.Array when value.EnumerateArray().All(v => v.ValueKind == JsonValueKind.String) =>
            string.Join(", ", value.EnumerateArray().Select(v => v.GetString())),
        JsonValueKind.Object when value.EnumerateObject().ToList() is [{ Value.ValueKind: JsonValueKind.Array } only] => Cell(only.Value),
        _ => value.GetRawText(),
    };
}
