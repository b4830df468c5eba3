namespace OpenSag.Api.Responses;

/// <summary>The wire type of a declared response field (the SDK model's type, spec §1.0 "type fidelity").</summary>
public enum ResponseFieldKind
{
    /// <summary>A JSON string; in XML the element's text.</summary>
    String,
    /// <summary>A 32-bit JSON number.</summary>
    Integer,
    /// <summary>A 64-bit JSON number (epoch milliseconds, byte counts).</summary>
    Long,
    /// <summary>JSON true/false; in XML the text true or false.</summary>
    Boolean,
    /// <summary>A nested object with its own declared fields (<see cref="ResponseField.Members"/>).</summary>
    Object,
    /// <summary>
    /// The cloud's list: JSON <c>{"Users":{"User":[…]}}</c>, XML <c>&lt;Users&gt;&lt;User&gt;…&lt;/User&gt;&lt;/Users&gt;</c>;
    /// items are objects (<see cref="ResponseField.Members"/>) or, when that is null, strings.
    /// </summary>
    WrappedList,
    /// <summary>
    /// A bare JSON array of strings, or of objects when <see cref="ResponseField.Members"/> is set; in XML the field
    /// element repeats once per item (none when empty).
    /// </summary>
    PlainList,
}

/// <summary>
/// One field of an action's answer as declared in the catalogue: wire name, type, list item name and nested fields.
/// The writer, <c>opensag smartag --usage</c>, the coverage table and the wire checks all read this declaration.
/// </summary>
/// <param name="Name">The exact wire name.</param>
/// <param name="Kind">The wire type.</param>
public sealed record ResponseField(string Name, ResponseFieldKind Kind)
{
    /// <summary>Absent from the answer when the value is unset (the spec says so for this field); else always present.</summary>
    public bool Optional { get; init; }

    /// <summary>The element name of each item of a <see cref="ResponseFieldKind.WrappedList"/>.</summary>
    public string? ItemName { get; init; }

    /// <summary>The fields of an <see cref="ResponseFieldKind.Object"/>, or of each item of a list of objects.</summary>
    public ResponseShape? Members { get; init; }

    /// <summary>The type in words, as the coverage table and <c>--usage</c> show it: <c>String</c>, <c>Users.User[] of objects</c>.</summary>
    public string TypeText => Kind switch
    {
        ResponseFieldKind.WrappedList => $"{Name}.{ItemName}[] of " + (Members is null ? "String" : "objects"),
        ResponseFieldKind.PlainList => "[] of " + (Members is null ? "String" : "objects"),
        _ => Kind.ToString(),
    };
}
