using System.Collections;

namespace OpenSag.Api.Responses;

/// <summary>
/// An action's answer as an ordered tree of wire names and values, written as JSON or XML by one writer each.
/// Values are string, int, long, bool, a nested <see cref="ResponseBody"/>, a <see cref="WrappedList"/> or a
/// <see cref="PlainList"/>. <c>RequestId</c> is added by the writer, not by handlers.
/// </summary>
public sealed class ResponseBody : IEnumerable<KeyValuePair<string, object>>
{
    private readonly List<KeyValuePair<string, object>> _fields = [];

    public static ResponseBody Empty => [];

    public void Add(string name, object value) => _fields.Add(new(name, value));

    public IEnumerator<KeyValuePair<string, object>> GetEnumerator() => _fields.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>
/// The cloud's list shape: JSON <c>{"Users":{"User":[…]}}</c>, XML <c>&lt;Users&gt;&lt;User&gt;…&lt;/User&gt;&lt;/Users&gt;</c>.
/// The field name is the wrapper; <see cref="ItemName"/> names each element. The JSON array is always real,
/// even when empty, since the Tea deserializer rejects anything else for a list field (spec §1.0).
/// </summary>
public sealed record WrappedList(string ItemName, IReadOnlyList<object> Items);

/// <summary>
/// A bare JSON array of strings (AppDNS, RecoveredDNS) or of objects (ListEnterpriseCode's EnterpriseCodes, items
/// being <see cref="ResponseBody"/>); in XML the field element repeats once per item.
/// </summary>
public sealed record PlainList(IReadOnlyList<object> Items);
