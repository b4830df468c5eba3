using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using OpenSag.Cli.Serve;

namespace OpenSag.Cli.Admin;

/// <summary>
/// <c>opensag smartag --help</c>. System.CommandLine's own help describes the API flags, which it sees as unmatched
/// tokens, as "[[--] &lt;additional arguments&gt;...]]" and "Arguments passed to the application that is being run";
/// this says what they are instead.
/// </summary>
internal sealed class SmartagHelpAction(Command command) : SynchronousCommandLineAction
{
    public override int Invoke(ParseResult parseResult)
    {
        var options = command.Options
            .Select(o => (Label: string.Join(", ", o.Aliases.Where(a => a[0] == '-').Order(StringComparer.Ordinal).Append(o.Name)) + ValuePlaceholder(o), o.Description ?? ""))
            .ToList();
        var width = options.Max(o => o.Label.Length) + 2;

        Console.WriteLine("Description:");
        Console.WriteLine("  " + command.Description);
        Console.WriteLine();
        Console.WriteLine("Usage:");
        Console.WriteLine("  opensag smartag                                   list the actions");
        Console.WriteLine("  opensag smartag <Action> --usage                  show an action's parameters");
        Console.WriteLine("  opensag smartag <Action> [--Param value ...] [options]");
        Console.WriteLine();
        Console.WriteLine("API parameters are flags named exactly like the API's (--RegionId cn-shanghai, --SmartAGId sag-...);");
        Console.WriteLine("a list parameter is a repeated flag (--UserNames a --UserNames b) or numbered (--UserNames.1 a).");
        Console.WriteLine();
        Console.WriteLine("Options:");
        foreach (var (label, description) in options)
        {
            Console.WriteLine("  " + label.PadRight(width) + description);
        }

        return ExitCodes.Ok;
    }

    private static string ValuePlaceholder(Option option) =>
        option is HelpOption || option.ValueType == typeof(bool) ? "" : $" <{option.HelpName ?? option.Name.TrimStart('-')}>";
}
