using System.Globalization;
using System.Text.Json;
using System.Xml.Linq;

namespace OpenSag.Api.Responses;

/// <summary>
/// Compares an answer as it went over the wire with its declaration: a field that is not declared, a declared field
/// that is missing (unless optional), or a value of another type is a fault. The catalogue tests run it on every
/// action's JSON and XML answers, so the declaration that the coverage table and <c>--usage</c> show is the one that
/// is sent.
/// </summary>
public static class ResponseConformance
{
    /// <summary>The faults of a JSON success body (RequestId aside), each as <c>path: what is wrong</c>; empty when it conforms.</summary>
    public static IReadOnlyList<string> Faults(ResponseShape shape, JsonElement body)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var faults = new List<string>();
        CheckObject(shape, body, "", faults, topLevel: true);
        return faults;
    }

    /// <summary>The faults of an XML success body (the root element, RequestId aside); empty when it conforms.</summary>
    public static IReadOnlyList<string> Faults(ResponseShape shape, XElement root)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(root);
        var faults = new List<string>();
        CheckElement(shape, root, root.Name.LocalName, faults, topLevel: true);
        return faults;
    }

    private static void CheckObject(ResponseShape shape, JsonElement json, string path, List<string> faults, bool topLevel = false)
    {
        if (json.ValueKind != JsonValueKind.Object)
        {
            faults.Add($"{Display(path)}: expected an object, got {json.ValueKind}");
            return;
        }

        var declared = shape.Fields.ToDictionary(f => f.Name, StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in json.EnumerateObject())
        {
            var at = Join(path, property.Name);
            if (topLevel && property.Name == "RequestId")
            {
                continue;
            }

            if (!seen.Add(property.Name))
            {
                faults.Add($"{at}: written twice");
            }
            else if (!declared.TryGetValue(property.Name, out var field))
            {
                faults.Add($"{at}: not declared");
            }
            else
            {
                CheckValue(field, property.Value, at, faults);
            }
        }

        foreach (var field in shape.Fields.Where(f => !f.Optional && !seen.Contains(f.Name)))
        {
            faults.Add($"{Join(path, field.Name)}: declared but missing");
        }
    }

    private static void CheckValue(ResponseField field, JsonElement value, string at, List<string> faults)
    {
        switch (field.Kind)
        {
            case ResponseFieldKind.String:
                Expect(value.ValueKind == JsonValueKind.String, field, value, at, faults);
                break;
            case ResponseFieldKind.Integer:
                Expect(value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out _), field, value, at, faults);
                break;
            case ResponseFieldKind.Long:
                Expect(value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out _), field, value, at, faults);
                break;
            case ResponseFieldKind.Boolean:
                Expect(value.ValueKind is JsonValueKind.True or JsonValueKind.False, field, value, at, faults);
                break;
            case ResponseFieldKind.Object:
                CheckObject(field.Members!, value, at, faults);
                break;
            case ResponseFieldKind.PlainList:
                if (Expect(value.ValueKind == JsonValueKind.Array, field, value, at, faults))
                {
                    if (field.Members is { } members)
                    {
                        var position = 0;
                        foreach (var item in value.EnumerateArray())
                        {
                            CheckObject(members, item, $"{at}[{position++}]", faults);
                        }
                    }
                    else
                    {
                        CheckStrings(value, at, faults);
                    }
                }

                break;
            case ResponseFieldKind.WrappedList:
                // Exactly {"Item": [ … ]}: the Tea deserializer rejects anything else for a list field (spec §1.0).
                if (!Expect(value.ValueKind == JsonValueKind.Object, field, value, at, faults))
                {
                    break;
                }

                var inner = value.EnumerateObject().ToList();
                if (inner.Count != 1 || inner[0].Name != field.ItemName || inner[0].Value.ValueKind != JsonValueKind.Array)
                {
                    faults.Add($"{at}: expected {{\"{field.ItemName}\": [ … ]}}, got {value.GetRawText()}");
                    break;
                }

                var index = 0;
                foreach (var item in inner[0].Value.EnumerateArray())
                {
                    var itemAt = $"{at}.{field.ItemName}[{index++}]";
                    if (field.Members is { } members)
                    {
                        CheckObject(members, item, itemAt, faults);
                    }
                    else if (item.ValueKind != JsonValueKind.String)
                    {
                        faults.Add($"{itemAt}: expected String, got {item.ValueKind}");
                    }
                }

                break;
        }
    }

    private static void CheckStrings(JsonElement array, string at, List<string> faults)
    {
        var index = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
            {
                faults.Add($"{at}[{index}]: expected String, got {item.ValueKind}");
            }

            index++;
        }
    }

    private static bool Expect(bool condition, ResponseField field, JsonElement value, string at, List<string> faults)
    {
        if (!condition)
        {
            faults.Add($"{at}: expected {field.TypeText}, got {value.ValueKind} {value.GetRawText()}");
        }

        return condition;
    }

    private static void CheckElement(ResponseShape shape, XElement element, string path, List<string> faults, bool topLevel = false)
    {
        var declared = shape.Fields.ToDictionary(f => f.Name, StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var child in element.Elements())
        {
            var name = child.Name.LocalName;
            var at = $"{path}/{name}";
            if (topLevel && name == "RequestId")
            {
                continue;
            }

            if (!declared.TryGetValue(name, out var field))
            {
                faults.Add($"{at}: not declared");
                continue;
            }

            // Only a plain list repeats its element (once per item).
            if (!seen.Add(name) && field.Kind != ResponseFieldKind.PlainList)
            {
                faults.Add($"{at}: written twice");
                continue;
            }

            CheckXmlValue(field, child, at, faults);
        }

        // An empty plain list has no element at all in XML.
        foreach (var field in shape.Fields.Where(f => !f.Optional && f.Kind != ResponseFieldKind.PlainList && !seen.Contains(f.Name)))
        {
            faults.Add($"{path}/{field.Name}: declared but missing");
        }
    }

    private static void CheckXmlValue(ResponseField field, XElement element, string at, List<string> faults)
    {
        var scalar = !element.HasElements;
        var text = element.Value;
        var ok = field.Kind switch
        {
            ResponseFieldKind.String => scalar,
            ResponseFieldKind.PlainList => field.Members is null ? scalar : !element.Nodes().OfType<XText>().Any(t => !string.IsNullOrWhiteSpace(t.Value)),
            ResponseFieldKind.Integer => scalar && int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _),
            ResponseFieldKind.Long => scalar && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _),
            ResponseFieldKind.Boolean => scalar && text is "true" or "false",
            _ => true,
        };
        if (!ok)
        {
            faults.Add($"{at}: expected {field.TypeText}, got {element}");
            return;
        }

        if (field.Kind == ResponseFieldKind.Object || (field.Kind == ResponseFieldKind.PlainList && field.Members is not null))
        {
            CheckElement(field.Members!, element, at, faults);
        }
        else if (field.Kind == ResponseFieldKind.WrappedList)
        {
            if (element.Nodes().OfType<XText>().Any(t => !string.IsNullOrWhiteSpace(t.Value)))
            {
                faults.Add($"{at}: a list wrapper holds text");
            }

            var index = 0;
            foreach (var item in element.Elements())
            {
                var itemAt = $"{at}/{item.Name.LocalName}[{index++}]";
                if (item.Name.LocalName != field.ItemName)
                {
                    faults.Add($"{itemAt}: expected item element {field.ItemName}");
                }
                else if (field.Members is { } members)
                {
                    CheckElement(members, item, itemAt, faults);
                }
                else if (item.HasElements)
                {
                    faults.Add($"{itemAt}: expected String, got {item}");
                }
            }
        }
    }

    private static string Join(string path, string name) => path.Length == 0 ? name : path + "." + name;

    private static string Display(string path) => path.Length == 0 ? "(body)" : path;
}
