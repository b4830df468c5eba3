using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;
using System.Globalization;
using OpenSag.Cli.Admin;

namespace OpenSag.Cli;

/// <summary>
/// <c>serve --config FILE</c> and <c>connect --profile FILE</c>: a file of the command's own options, one
/// <c>name = value</c> per line with the option's name without <c>--</c> (<c>api-listen = 0.0.0.0:8080</c>), blank lines
/// and lines starting with <c>#</c> ignored. The file is turned into the command's own tokens (<c>--api-listen
/// 0.0.0.0:8080</c>) placed before the command line's, so System.CommandLine checks them exactly as typed ones, and an
/// option on the command line replaces the file's (it is dropped from the file's tokens, so a repeatable one such as
/// <c>--forward</c> is not added to). The value is the rest of the line after the first <c>=</c>, trimmed: a <c>#</c> or
/// <c>=</c> inside it is part of it (passwords in connection strings).
/// </summary>
internal static class OptionsFile
{
    /// <summary>Bigger than any hand-written file of a command's options: refuses a wrong path (a disk image) quickly.</summary>
    private const long MaxBytes = 1 << 20;

    /// <summary>
    /// <paramref name="parse"/> with the options of the file named by its command's <see cref="OptionsFileOption"/> (when
    /// given) put in, parsed again by <paramref name="root"/>; <paramref name="parse"/> itself when it was not. Returns
    /// null with <paramref name="error"/> (one line, naming the option, the file and the line) when the file cannot be
    /// read, or names an option the command does not have (with the closest one), or gives a single-valued one twice.
    /// </summary>
    public static ParseResult? Apply(RootCommand root, ParseResult parse, out string? error)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(parse);
        error = null;
        if (parse.CommandResult.Command.Options.OfType<OptionsFileOption>().FirstOrDefault() is not { } fileOption
            || parse.GetResult(fileOption) is not { Implicit: false, Tokens: [var pathToken] })
        {
            return parse;
        }

        var path = pathToken.Value;
        var command = parse.CommandResult.Command;
        var entries = Read(path, command, fileOption, out var readError);
        if (entries is null)
        {
            error = $"{fileOption.Name} {path}: {readError}";
            return null;
        }

        // Options typed on the command line win: the file's value for them is left out rather than given first,
        // which for a repeatable option would add to the typed values instead of replacing them.
        var typed = parse.CommandResult.Children.OfType<OptionResult>().Where(r => !r.Implicit).Select(r => r.Option).ToHashSet();
        var fromFile = entries.Where(e => !typed.Contains(e.Option)).SelectMany(e => new[] { e.Option.Name, e.Value });
        var tokens = parse.Tokens.Select(t => t.Value).ToList();
        var at = parse.Tokens.ToList().FindIndex(t => t.Type == TokenType.Command && t.Value == command.Name);
        tokens.InsertRange(at + 1, fromFile);
        return root.Parse(tokens);
    }

    /// <summary>The file's entries in order, or null with <paramref name="error"/> (without the file's name).</summary>
    private static List<(Option Option, string Value)>? Read(string path, Command command, Option fileOption, out string? error)
    {
        error = null;
        string[] lines;
        try
        {
            if (!File.Exists(path))
            {
                error = MissingFile.Reason(path) + ".";
                return null;
            }

            if (new FileInfo(path).Length > MaxBytes)
            {
                error = $"is larger than {MaxBytes / 1024} KiB, not a file of options.";
                return null;
            }

            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = "cannot be read: " + e.Message;
            return null;
        }

        var options = command.Options.Where(o => o is not HelpOption and not VersionOption && o != fileOption).ToDictionary(o => o.Name[2..], StringComparer.Ordinal);
        var entries = new List<(Option Option, string Value)>();
        var seen = new Dictionary<Option, int>();
        for (var i = 0; i < lines.Length; i++)
        {
            var number = (i + 1).ToString(CultureInfo.InvariantCulture);
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq < 0)
            {
                error = $"line {number}: expected name = value ({Example(line, options)}), got '{line}'.";
                return null;
            }

            var name = line[..eq].Trim();
            var value = line[(eq + 1)..].Trim();
            if (!options.TryGetValue(name, out var option))
            {
                error = $"line {number}: {Unknown(name, options.Keys, fileOption)}";
                return null;
            }

            if (value.Length == 0)
            {
                error = $"line {number}: {name} has no value.";
                return null;
            }

            if (seen.TryGetValue(option, out var first) && option.Arity.MaximumNumberOfValues <= 1)
            {
                error = $"line {number}: {name} is already given on line {first.ToString(CultureInfo.InvariantCulture)}.";
                return null;
            }

            seen.TryAdd(option, i + 1);
            entries.Add((option, value));
        }

        return entries;
    }

    /// <summary>
    /// How the line without <c>=</c> should be written: a switch such as <c>no-shaping</c> (typed bare on the command
    /// line, so the first thing tried here) takes <c>= true</c>; any other option of the command its value after <c>=</c>.
    /// </summary>
    private static string Example(string line, Dictionary<string, Option> options)
    {
        var name = line.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries)[0];
        return !options.TryGetValue(name, out var option) ? $"e.g. {options.Keys.First()} = …"
            : option is Option<bool> ? $"a switch is written {name} = true"
            : $"{name} = …";
    }

    private static string Unknown(string name, IEnumerable<string> known, Option fileOption)
    {
        if (name.StartsWith('-'))
        {
            return $"'{name}': write option names without the leading -- (e.g. {name.TrimStart('-')} = …).";
        }

        if (name == fileOption.Name[2..])
        {
            return $"{name} cannot be given in the file it names.";
        }

        return ClosestName.Find(name, known) is { } closest
            ? $"unknown option '{name}'; did you mean {closest}?"
            : $"unknown option '{name}'; the options are {string.Join(", ", known)}.";
    }
}

/// <summary>The option naming an <see cref="OptionsFile"/>: <c>--config</c> on serve, <c>--profile</c> on connect.</summary>
internal sealed class OptionsFileOption : Option<string?>
{
    public OptionsFileOption(string name, string description)
        : base(name) => Description = description;
}
