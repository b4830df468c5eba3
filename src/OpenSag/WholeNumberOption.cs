using System.CommandLine.Parsing;
using System.Globalization;

namespace OpenSag.Cli;

/// <summary>
/// Parsers for whole-number options. System.CommandLine's own conversion error names the .NET type ("Cannot parse
/// argument 'soon' for option '--keepalive-seconds' as expected type 'System.Int32'"); ours says it in the user's terms.
/// Ranges are checked by the command, which knows them.
/// </summary>
internal static class WholeNumberOption
{
    /// <summary>For an <c>Option&lt;int&gt;</c>'s <c>CustomParser</c>: the last value given, or <paramref name="whenAbsent"/>.</summary>
    public static int Parse(ArgumentResult result, int whenAbsent) => ParseOptional(result) ?? whenAbsent;

    /// <summary>For an <c>Option&lt;int?&gt;</c>'s <c>CustomParser</c>: the last value given, or null.</summary>
    public static int? ParseOptional(ArgumentResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (result.Tokens.Count == 0)
        {
            return null;
        }

        var text = result.Tokens[^1].Value;
        if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        var name = result.Parent is OptionResult option ? option.Option.Name : result.Argument.Name;
        result.AddError($"{name}: '{text}' is not a whole number");
        return null;
    }
}
