using OpenSag.Api.Protocol;
using OpenSag.Errors;

namespace OpenSag.Api.Catalogue;

/// <summary>An action's parameters after validation against its declarations, typed. Absent optional values are null.</summary>
public sealed class ActionArguments
{
    private readonly Dictionary<string, object> _values;

    private ActionArguments(Dictionary<string, object> values) => _values = values;

    /// <summary>
    /// Checks every declared parameter in declaration order, so the first error reported is deterministic. An empty
    /// value counts as absent: "missing or empty Username" is the same error on the KickOutClients page.
    /// </summary>
    public static ActionArguments Bind(ActionDefinition action, RpcRequest request)
    {
        var values = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var spec in action.Parameters)
        {
            if (spec.Kind == ParameterKind.StringList)
            {
                var items = ReadList(spec, request);
                if (items.Count == 0 && spec.Required)
                {
                    throw new ApiException(spec.Missing);
                }

                values[spec.Name] = items;
                continue;
            }

            var raw = request.Get(spec.Name);
            if (string.IsNullOrEmpty(raw))
            {
                if (spec.Required)
                {
                    throw new ApiException(spec.Missing);
                }

                continue;
            }

            values[spec.Name] = spec.Parse(raw);
        }

        return new ActionArguments(values);
    }

    public string String(string name) => (string)_values[name];
    public string? OptionalString(string name) => _values.TryGetValue(name, out var v) ? (string)v : null;
    public int Integer(string name) => (int)_values[name];
    public int? OptionalInteger(string name) => _values.TryGetValue(name, out var v) ? (int)v : null;
    public long Long(string name) => (long)_values[name];
    public long? OptionalLong(string name) => _values.TryGetValue(name, out var v) ? (long)v : null;
    public bool Boolean(string name) => (bool)_values[name];
    public IReadOnlyList<string> List(string name) => _values.TryGetValue(name, out var v) ? (IReadOnlyList<string>)v : [];

    /// <summary>
    /// Reads <c>Name.1 … Name.N</c>. Indices must run 1..N without gaps (as every official client sends them);
    /// a gap or an index beyond the limit is an invalid parameter, not silently dropped data.
    /// </summary>
    private static List<string> ReadList(ParameterSpec spec, RpcRequest request)
    {
        var prefix = spec.Name + ".";
        var indexed = new SortedDictionary<int, string>();
        foreach (var (key, value) in request.Parameters)
        {
            if (!key.StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }

            // "Name.01" would alias "Name.1" and silently replace it; only canonical indices are accepted.
            if (key.Length == prefix.Length || key[prefix.Length] == '0'
                || !int.TryParse(key.AsSpan(prefix.Length), System.Globalization.NumberStyles.None, null, out var index) || index > spec.MaxItems)
            {
                throw new ApiException(spec.Invalid);
            }

            if (value.Length > 0)
            {
                indexed[index] = spec.Constraint is null || spec.Constraint(value) ? value : throw new ApiException(spec.Invalid);
            }
        }

        if (indexed.Count > 0 && indexed.Keys.Last() != indexed.Count)
        {
            throw new ApiException(spec.Invalid);
        }

        return [.. indexed.Values];
    }
}
