using OpenSag.Api.Protocol;
using OpenSag.Domain;
using OpenSag.Errors;

namespace OpenSag.Api.Catalogue;

/// <summary>An action's parameters after validation against its declarations, typed. Absent optional values are null.</summary>
public sealed class ActionArguments
{
    private readonly string _action;
    private readonly IReadOnlyList<ParameterSpec> _declared;
    private readonly Dictionary<string, object> _values;

    private ActionArguments(ActionDefinition action, Dictionary<string, object> values)
    {
        _action = action.Name;
        _declared = action.Parameters;
        _values = values;
    }

    /// <summary>
    /// Checks every declared parameter in declaration order, so the first error reported is deterministic. An empty
    /// value counts as absent: "missing or empty Username" is the same error on the KickOutClients page. A value that
    /// some answer format or store cannot hold (<see cref="PortableText"/>) is refused here as InvalidParameter naming
    /// the key, for every string and list item of every action, so nothing is stored or echoed that could break an answer.
    /// </summary>
    public static ActionArguments Bind(ActionDefinition action, RpcRequest request) => Bind(action, request.Parameters);

    /// <summary>
    /// <see cref="Bind(ActionDefinition, RpcRequest)"/> from parameters already merged (wire name → value; list items as
    /// <c>Name.1 … Name.N</c>): the web console's forms go through the very rules an API call does.
    /// </summary>
    /// <exception cref="ApiException">A parameter is missing or breaks its declared rule, as on the API.</exception>
    public static ActionArguments Bind(ActionDefinition action, IReadOnlyDictionary<string, string> parameters)
    {
        ArgumentNullException.ThrowIfNull(action);
        ArgumentNullException.ThrowIfNull(parameters);
        var values = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var spec in action.Parameters)
        {
            if (spec.Kind == ParameterKind.StringList)
            {
                var items = ReadList(spec, parameters);
                if (items.Count == 0 && spec.Required)
                {
                    throw new ApiException(spec.Missing);
                }

                values[spec.Name] = items;
                continue;
            }

            RefuseIndexedForms(spec, parameters);
            var raw = parameters.GetValueOrDefault(spec.Name);
            if (string.IsNullOrEmpty(raw))
            {
                if (spec.Required)
                {
                    throw new ApiException(spec.Missing);
                }

                continue;
            }

            values[spec.Name] = spec.Parse(Portable(spec.Name, raw));
        }

        return new ActionArguments(action, values);
    }

    /// <summary>
    /// The value of a parameter this action declares, typed by its handle: non-null for a required one (binding refused
    /// the request without it), null or an empty list for an absent optional one.
    /// </summary>
    /// <exception cref="InvalidOperationException">
    /// The handle is not one of this action's declarations (the very object, not a look-alike with the same wire name,
    /// whose rules or required flag may differ): a handler bug, answered 500 and caught by the catalogue tests.
    /// </exception>
    public T Get<T>(Parameter<T> parameter)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        if (!Declares(parameter.Spec))
        {
            throw new InvalidOperationException($"{_action} reads parameter {parameter.Spec.Name} through a handle it does not declare.");
        }

        return _values.TryGetValue(parameter.Spec.Name, out var value) ? (T)value : parameter.WhenAbsent;
    }

    /// <summary>
    /// The bound value of a parameter that was sent, by wire name (a list only when it has items): for what treats
    /// every parameter alike, the ClientToken fingerprint (<see cref="Protocol.IdempotentCalls.Fingerprint"/>), never
    /// for handlers, which read through their handles.
    /// </summary>
    public bool TryGetValue(string name, out object value) => _values.TryGetValue(name, out value!);

    /// <summary>
    /// Reads <c>Name.1 … Name.N</c>. Indices must run 1..N without gaps (as every official client sends them);
    /// a gap or an index beyond the limit is an invalid parameter, not silently dropped data. Every other form of
    /// the name is refused as InvalidParameter naming the key sent: the bare name (<c>SmartAGIds=["sag-…"]</c>, what
    /// openapi-client sends for an array not flattened with <c>OpenApiUtil.query</c>), <c>Name.0</c>, a negative,
    /// non-numeric or zero-padded index, bracket forms (<c>Name[0]</c>, <c>Name[]</c>) and nested keys
    /// (<c>Name.1.Sub</c>). Ignoring them would answer 200 as if the list were empty, which for ModifyClientUserDNS
    /// clears the stored list.
    /// </summary>
    private static List<string> ReadList(ParameterSpec spec, IReadOnlyDictionary<string, string> parameters)
    {
        var indexed = new SortedDictionary<int, string>();
        foreach (var (key, value) in parameters)
        {
            if (!IsFormOf(key, spec.Name))
            {
                continue;
            }

            // "Name.01" would alias "Name.1" and silently replace it; only canonical indices are accepted.
            var prefixLength = spec.Name.Length + 1;
            if (key.Length <= prefixLength || key[prefixLength - 1] != '.' || key[prefixLength] == '0'
                || !int.TryParse(key.AsSpan(prefixLength), System.Globalization.NumberStyles.None, null, out var index))
            {
                throw new ApiException(ErrorCatalogue.InvalidParameter(key));
            }

            if (index > spec.MaxItems)
            {
                throw new ApiException(spec.Invalid);
            }

            if (value.Length > 0)
            {
                var item = Portable(key, value);
                indexed[index] = spec.Constraint is null || spec.Constraint.Matches(item) ? item : throw new ApiException(spec.Invalid);
            }
        }

        if (indexed.Count > 0 && indexed.Keys.Last() != indexed.Count)
        {
            throw new ApiException(spec.Invalid);
        }

        return [.. indexed.Values];
    }

    /// <summary>
    /// A single-valued parameter sent as a list (<c>Email.1</c>, <c>Description[0]</c>) would otherwise be ignored and
    /// the call answered 200 without the change asked for.
    /// </summary>
    private static void RefuseIndexedForms(ParameterSpec spec, IReadOnlyDictionary<string, string> parameters)
    {
        foreach (var key in parameters.Keys)
        {
            if (key.Length > spec.Name.Length && IsFormOf(key, spec.Name))
            {
                throw new ApiException(ErrorCatalogue.InvalidParameter(key));
            }
        }
    }

    /// <summary>The name itself, or the name followed by an index in any notation (<c>.1</c>, <c>[0]</c>, <c>[]</c>).</summary>
    private static bool IsFormOf(string key, string name) =>
        key.StartsWith(name, StringComparison.Ordinal) && (key.Length == name.Length || key[name.Length] is '.' or '[');

    private static string Portable(string key, string value) =>
        PortableText.IndexOfUnportable(value) < 0 ? value : throw new ApiException(ErrorCatalogue.InvalidParameter(key));

    /// <summary>By reference: records compare by value, and a look-alike is exactly what this check is for.</summary>
    private bool Declares(ParameterSpec spec)
    {
        for (var i = 0; i < _declared.Count; i++)
        {
            if (ReferenceEquals(_declared[i], spec))
            {
                return true;
            }
        }

        return false;
    }
}
