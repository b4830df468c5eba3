using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using OpenSag.Cli.Admin;
using OpenSag.Cli.Connect;
using OpenSag.Cli.Serve;

namespace OpenSag.Cli;

/// <summary>
/// <c>opensag</c>: one executable with a subcommand per role (serve, smartag, sessions, status, connect). Whatever the command, a mistake in
/// its arguments is one line on stderr and exit code 2 (<see cref="ExitCodes.BadUsage"/>), and nothing
/// reaches the user as a stack trace.
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var root = new RootCommand("OpenSAG: a self-hostable Smart Access Gateway with a Smartag-compatible API.")
        {
            ServeCommand.Create(),
            SmartagCommand.Create(),
            SessionsCommand.Create(),
            StatusCommand.Create(),
            ConnectCommand.Create(),
        };
        var parse = root.Parse(args);
        var command = CommandPath(parse);
        // Before the error check: the file may hold what the command line lacks (connect's required --gateway).
        if (OptionsFile.Apply(root, parse, out var fileError) is { } withFile)
        {
            parse = withFile;
        }
        else
        {
            await Console.Error.WriteLineAsync($"{command}: {fileError}");
            return ExitCodes.BadUsage;
        }

        // A parse error runs System.CommandLine's ParseErrorAction, which prints the whole help and exits 1;
        // --help and --version clear parse errors, so they still get here with their own action.
        if (parse.Action is ParseErrorAction)
        {
            // One line: some messages span lines (a list of allowed values), and several errors can come at once.
            var errors = parse.CommandResult.Command is RootCommand ? [UnknownCommand(root, parse)]
                : parse.UnmatchedTokens is [var unmatched, ..] ? [UnknownToken(parse.CommandResult.Command, unmatched)]
                : parse.Errors.Select(NamingTheOption);
            await Console.Error.WriteLineAsync($"{command}: {string.Join("; ", errors)} ({command} --help lists the options).");
            return ExitCodes.BadUsage;
        }

        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception e)
        {
            // Each command turns the failures a user can cause into its own one-line message; reaching this is
            // a fault of ours, still reported as one line (the default handler would print the stack trace).
            await Console.Error.WriteLineAsync($"{command}: unexpected error, please report it: {e.GetType().Name}: {e.Message}");
            return ExitCodes.Failed;
        }
    }

    /// <summary>
    /// A parse error at the root is a missing or misspelt command, which System.CommandLine reports as "Required command
    /// was not provided; Unrecognized command or argument 'serv'"; this names the commands, and the closest one.
    /// </summary>
    private static string UnknownCommand(RootCommand root, ParseResult parse)
    {
        var commands = root.Subcommands.Select(c => c.Name).ToList();
        var known = $"the commands are {string.Join(", ", commands[..^1])} and {commands[^1]}";
        if (parse.UnmatchedTokens is not [var given, ..])
        {
            return "no command given; " + known;
        }

        return ClosestName.Find(given, commands) is { } closest
            ? $"unknown command '{given}'; did you mean {closest}?"
            : $"unknown command '{given}'; {known}";
    }

    /// <summary>
    /// A word the command does not take, named with the closest option (for <c>--instnace</c>) or subcommand (for
    /// <c>kik</c>) it does take. Only the first is reported: the rest of System.CommandLine's errors for it are
    /// consequences ("Unrecognized command or argument 'x'" for the misspelt option's value, "Option '--instance' is
    /// required" for the option it meant).
    /// </summary>
    private static string UnknownToken(Command command, string given)
    {
        if (given.StartsWith('-'))
        {
            var flags = command.Options.Where(o => !o.Hidden).SelectMany(o => o.Aliases.Prepend(o.Name)).Where(n => n.StartsWith("--", StringComparison.Ordinal));
            return ClosestName.Find(given, flags) is { } flag
                ? $"unknown option '{given}'; did you mean {flag}?"
                : $"unknown option '{given}'";
        }

        return ClosestName.Find(given, command.Subcommands.Select(c => c.Name)) is { } closest
            ? $"unknown command '{given}'; did you mean {closest}?"
            : $"unexpected argument '{given}'";
    }

    /// <summary>
    /// A parse error as one line that starts with the option it is about: System.CommandLine's own texts do not name
    /// it ("Argument 'quic' not recognized. Must be one of: 'auto' 'udp' 'tls'" for <c>--transport quic</c>); ours
    /// (whole numbers, K/N) already start with it.
    /// </summary>
    private static string NamingTheOption(ParseError error)
    {
        var line = string.Join(' ', error.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).TrimEnd('.');
        var option = error.SymbolResult switch
        {
            OptionResult result => result.Option,
            ArgumentResult { Parent: OptionResult result } => result.Option,
            _ => null,
        };
        return option is null || line.StartsWith(option.Name, StringComparison.Ordinal) ? line : $"{option.Name}: {line}";
    }

    /// <summary>"opensag serve", "opensag connect", …: the command the user typed, for the start of each error line.</summary>
    private static string CommandPath(ParseResult parse)
    {
        var names = new List<string>();
        for (SymbolResult? result = parse.CommandResult; result is not null; result = result.Parent)
        {
            if (result is CommandResult { Command: not RootCommand } command)
            {
                names.Insert(0, command.Command.Name);
            }
        }

        return string.Join(' ', names.Prepend("opensag"));
    }
}
