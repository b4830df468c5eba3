namespace OpenSag.Cli;

/// <summary>
/// A library's <see cref="ArgumentException"/> as words for the user: .NET ends its message with
/// " (Parameter 'keyword')", naming a parameter of the library's method, never what the user typed
/// (<c>--postgres "Foo=bar"</c> read "Couldn't set foo (Parameter 'foo')").
/// </summary>
internal static class ArgumentMessage
{
    /// <summary>The exception's message without .NET's parameter-name suffix.</summary>
    public static string Of(ArgumentException e) =>
        e.ParamName is null ? e.Message : e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal);
}
