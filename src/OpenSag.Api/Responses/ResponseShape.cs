namespace OpenSag.Api.Responses;

/// <summary>
/// The declared fields of an answer (or of a nested object or list item), in wire order. <c>RequestId</c> is not
/// declared: the writer adds it to every answer. <see cref="ResponseShape{TSource}"/> also writes the fields.
/// </summary>
public abstract class ResponseShape
{
    private protected ResponseShape(IReadOnlyList<ResponseField> fields) => Fields = fields;

    /// <summary>The declared fields, in the order they are written.</summary>
    public IReadOnlyList<ResponseField> Fields { get; }

    /// <summary>An answer with nothing but RequestId (the KickOutClients page's JSON example).</summary>
    public static ResponseShape<object?> Nothing { get; } = Of<object?>();

    /// <summary>An empty declaration of an answer written from a <typeparamref name="TSource"/>; add fields with its methods.</summary>
    public static ResponseShape<TSource> Of<TSource>() => new([], []);

    /// <summary>
    /// The declared fields as indented lines (<c>Name: Type</c>, nested fields two spaces deeper, optional ones marked),
    /// for <c>--usage</c> and the coverage table.
    /// </summary>
    public IEnumerable<string> Describe(string indent = "")
    {
        foreach (var field in Fields)
        {
            yield return $"{indent}{field.Name}: {field.TypeText}{(field.Optional ? " (absent when unset)" : "")}";
            if (field.Members is { } members)
            {
                foreach (var line in members.Describe(indent + "  "))
                {
                    yield return line;
                }
            }
        }
    }
}

/// <summary>
/// A response declaration that also writes the answer: each field is declared with the function that reads its value
/// from the handler's result, typed by the field's wire type, so a handler cannot write an undeclared field, leave out
/// a declared one or give it another type. Immutable: every method returns a new shape.
/// </summary>
/// <typeparam name="TSource">What the handler returns (a domain record, a page, a list).</typeparam>
public sealed class ResponseShape<TSource> : ResponseShape
{
    private readonly IReadOnlyList<Func<TSource, object?>> _values;

    internal ResponseShape(IReadOnlyList<ResponseField> fields, IReadOnlyList<Func<TSource, object?>> values)
        : base(fields) => _values = values;

    public ResponseShape<TSource> String(string name, Func<TSource, string> value) => With(new(name, ResponseFieldKind.String), s => value(s));

    /// <summary>A string field the spec leaves out of the answer when unset: null omits it.</summary>
    public ResponseShape<TSource> OptionalString(string name, Func<TSource, string?> value) =>
        With(new(name, ResponseFieldKind.String) { Optional = true }, s => value(s));

    public ResponseShape<TSource> Integer(string name, Func<TSource, int> value) => With(new(name, ResponseFieldKind.Integer), s => value(s));

    public ResponseShape<TSource> Long(string name, Func<TSource, long> value) => With(new(name, ResponseFieldKind.Long), s => value(s));

    public ResponseShape<TSource> Boolean(string name, Func<TSource, bool> value) => With(new(name, ResponseFieldKind.Boolean), s => value(s));

    /// <summary>A nested object written by <paramref name="members"/>.</summary>
    public ResponseShape<TSource> Object<TMember>(string name, Func<TSource, TMember> value, ResponseShape<TMember> members)
    {
        ArgumentNullException.ThrowIfNull(members);
        return With(new(name, ResponseFieldKind.Object) { Members = members }, s => members.Write(value(s)));
    }

    /// <summary>A wrapped list of objects, each written by <paramref name="item"/>.</summary>
    public ResponseShape<TSource> List<TItem>(string name, string itemName, Func<TSource, IEnumerable<TItem>> items, ResponseShape<TItem> item)
    {
        ArgumentNullException.ThrowIfNull(item);
        return With(
            new(name, ResponseFieldKind.WrappedList) { ItemName = itemName, Members = item },
            s => new WrappedList(itemName, [.. items(s).Select(i => (object)item.Write(i))]));
    }

    /// <summary>A wrapped list of strings (<c>AclIds.AclId[]</c>).</summary>
    public ResponseShape<TSource> StringList(string name, string itemName, Func<TSource, IEnumerable<string>> items) =>
        With(new(name, ResponseFieldKind.WrappedList) { ItemName = itemName }, s => new WrappedList(itemName, [.. items(s)]));

    /// <summary>A wrapped list of strings the spec leaves out of the answer when empty (a rule's Dpi lists): an empty list omits it.</summary>
    public ResponseShape<TSource> OptionalStringList(string name, string itemName, Func<TSource, IReadOnlyCollection<string>> items) =>
        With(new(name, ResponseFieldKind.WrappedList) { ItemName = itemName, Optional = true },
            s => items(s) is { Count: > 0 } list ? new WrappedList(itemName, [.. list]) : null);

    /// <summary>A bare array of strings (<c>AppDNS</c>).</summary>
    public ResponseShape<TSource> PlainList(string name, Func<TSource, IEnumerable<string>> items) =>
        With(new(name, ResponseFieldKind.PlainList), s => new PlainList([.. items(s)]));

    /// <summary>A bare array of objects, each written by <paramref name="item"/> (ListEnterpriseCode's <c>EnterpriseCodes</c>).</summary>
    public ResponseShape<TSource> PlainList<TItem>(string name, Func<TSource, IEnumerable<TItem>> items, ResponseShape<TItem> item)
    {
        ArgumentNullException.ThrowIfNull(item);
        return With(new(name, ResponseFieldKind.PlainList) { Members = item }, s => new PlainList([.. items(s).Select(i => (object)item.Write(i))]));
    }

    /// <summary>The answer for <paramref name="source"/>: every declared field in order, an optional one only when set.</summary>
    /// <exception cref="InvalidOperationException">A required field's value is null (a handler or store bug, answered 500).</exception>
    public ResponseBody Write(TSource source)
    {
        var body = new ResponseBody();
        for (var i = 0; i < Fields.Count; i++)
        {
            var value = _values[i](source);
            if (value is null)
            {
                if (!Fields[i].Optional)
                {
                    throw new InvalidOperationException($"Response field {Fields[i].Name} is declared but has no value.");
                }

                continue;
            }

            body.Add(Fields[i].Name, value);
        }

        return body;
    }

    private ResponseShape<TSource> With(ResponseField field, Func<TSource, object?> value)
    {
        if (Fields.Any(f => f.Name == field.Name))
        {
            throw new InvalidOperationException($"Response field {field.Name} is declared twice.");
        }

        return new([.. Fields, field], [.. _values, value]);
    }
}
