using System.CommandLine;
using System.CommandLine.Help;
using System.Text.Json;
using OpenSag.Api.Actions;
using OpenSag.Api.Catalogue;
using OpenSag.Cli.Serve;
using OpenSag.Errors;

namespace OpenSag.Cli.Admin;

/// <summary>
/// <c>opensag smartag &lt;Action&gt; --Param value …</c>, in the style of <c>aliyun smartag</c>: flags named exactly like
/// the API parameters; a list parameter (per the action catalogue) is a repeated flag or <c>--Name.N</c>. Our own
/// flags are lower-case so they can never collide with a parameter name.
/// </summary>
internal static class SmartagCommand
{
    private static readonly ActionTable Actions = SmartagActions.CreateTable();

    /// <summary>OpenSAG's own actions (DescribeAuditLog, DescribeOnlineSessions…), sent to their own path and Version.</summary>
    private static readonly ActionTable OwnActions = OpenSagActions.CreateTable();

    public static Command Create()
    {
        var action = new Argument<string?>("action") { Description = "The API action, e.g. KickOutClients. Omit it to list the actions.", Arity = ArgumentArity.ZeroOrOne };
        var connection = new ApiConnection();
        var usage = new Option<bool>("--usage") { Description = "Show the action's parameters, the rule each value must follow, and the answer's fields, instead of calling it." };
        var command = new Command("smartag", "Call a Smartag API action, signed like the official SDKs, and print the answer (a table on a terminal, else JSON).")
        {
            action, usage,
        };
        foreach (var option in connection.All)
        {
            command.Options.Add(option);
        }

        command.TreatUnmatchedTokensAsErrors = false;

        // The root's help would describe the API flags as "[[--] <additional arguments>...]]", "Arguments passed to
        // the application that is being run", which is System.CommandLine's text for unmatched tokens, not ours.
        command.Options.Add(new HelpOption { Action = new SmartagHelpAction(command) });
        var ownFlags = command.Options.SelectMany(o => o.Aliases.Prepend(o.Name)).ToList();
        command.SetAction((parse, cancellationToken) => ApiConnection.RunAsync("opensag smartag", async http =>
        {
            var name = parse.GetValue(action);
            if (name is null)
            {
                PrintActions();
                return ExitCodes.Ok;
            }

            var (definition, surface) = FindAction(name);
            if (parse.GetValue(usage))
            {
                return PrintUsage(definition);
            }

            var parameters = ReadParameters(definition, parse.UnmatchedTokens, ownFlags);
            var client = connection.CreateClient(parse, http);
            var answer = await client.CallAsync(surface, name, parameters, cancellationToken);
            return await PrintAnswerAsync(definition, parameters, answer, connection.WantsTable(parse));
        }));
        return command;
    }

    /// <summary>
    /// The action by its exact wire name, a Smartag one or one of OpenSAG's own, with where it is served. A misspelt
    /// one is refused here, with the closest name, instead of being sent and answered InvalidAction.NotFound, which
    /// names nothing.
    /// </summary>
    private static (ActionDefinition Definition, ApiSurface Surface) FindAction(string name)
    {
        if (Actions.Find(name) is { } definition)
        {
            return (definition, ApiSurface.Smartag);
        }

        if (OwnActions.Find(name) is { } own)
        {
            return (own, ApiSurface.OpenSag);
        }

        var closest = ClosestName.Find(name, Actions.All.Concat(OwnActions.All).Select(a => a.Name));
        throw new CliException(closest is null
            ? $"unknown action '{name}'; `opensag smartag` lists the actions."
            : $"unknown action '{name}'; did you mean {closest}?");
    }

    /// <summary>
    /// Turns <c>--Name value</c> / <c>--Name=value</c> tokens into wire parameters, numbering list items. Every flag must
    /// be one of the action's parameters (or <c>--Format</c>): the server ignores a parameter it does not know, so a
    /// misspelt flag (<c>--SmartAGid</c>) would otherwise be dropped silently and the call answered as if it were
    /// missing.
    /// </summary>
    internal static Dictionary<string, string> ReadParameters(ActionDefinition definition, IReadOnlyList<string> tokens, IReadOnlyList<string> ownFlags)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var listCounts = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            if (!token.StartsWith("--", StringComparison.Ordinal) || token.Length == 2)
            {
                throw new CliException($"unexpected '{token}': parameters are passed as --Name value.");
            }

            var eq = token.IndexOf('=', StringComparison.Ordinal);
            var name = eq > 0 ? token[2..eq] : token[2..];
            CheckFlag(definition, name, ownFlags);
            string value;
            if (eq > 0)
            {
                value = token[(eq + 1)..];
            }
            else if (i + 1 < tokens.Count)
            {
                value = tokens[++i];
            }
            else
            {
                throw new CliException($"--{name} needs a value.");
            }

            var isList = definition.Parameters.Any(p => p.Name == name && p.Kind == ParameterKind.StringList);
            if (isList)
            {
                var n = listCounts[name] = listCounts.GetValueOrDefault(name) + 1;
                name = $"{name}.{n}";
            }

            if (!result.TryAdd(name, value))
            {
                throw new CliException($"--{name} is given twice.");
            }
        }

        return result;
    }

    /// <summary>The server reads <c>Format</c> besides the action's parameters; the client sets every other common one.</summary>
    private const string FormatParameter = "Format";

    private static void CheckFlag(ActionDefinition definition, string name, IReadOnlyList<string> ownFlags)
    {
        var known = name == FormatParameter || definition.Parameters.Any(p =>
            p.Name == name || (p.Kind == ParameterKind.StringList && name.StartsWith(p.Name + ".", StringComparison.Ordinal)));
        if (known)
        {
            return;
        }

        var closest = ClosestName.Find("--" + name, definition.Parameters.Select(p => "--" + p.Name).Append("--" + FormatParameter).Concat(ownFlags));
        throw new CliException(closest is null
            ? $"unknown flag --{name} for {definition.Name}; `opensag smartag {definition.Name} --usage` lists its parameters."
            : $"unknown flag --{name} for {definition.Name}; did you mean {closest}?");
    }

    /// <summary>
    /// When the answer says a required parameter is missing, the flag this action wants for it. The wire message stays
    /// the cloud's ("You must specify UserName.") even where the flag is spelt otherwise (KickOutClients' --Username).
    /// </summary>
    private static string? MissingFlagHint(ActionDefinition definition, IReadOnlyDictionary<string, string> sent, string? code)
    {
        var flags = definition.Parameters
            .Where(p => p.Required && p.Missing.Code == code && !sent.Any(s => s.Value.Length > 0 && (s.Key == p.Name || s.Key.StartsWith(p.Name + ".", StringComparison.Ordinal))))
            .Select(p => "--" + p.Name)
            .ToList();
        return flags.Count == 0 ? null : $"opensag smartag: {definition.Name} takes it as {string.Join(" or ", flags)}.";
    }

    /// <summary>
    /// When the answer refuses a value (the cloud's generic <c>Specified parameter StartTime is not valid.</c>), the rule
    /// of each sent value that breaks it, as <c>--usage</c> shows it, so the line says what to send instead. Each value is
    /// checked against the catalogue declaration the server validated it with, so a well-formed id the server does not
    /// know (SAG.InstanceNoFound, also SmartAGId's rule error) gets no hint, and of several parameters sharing one code
    /// (InvalidParameter) only the broken ones are named.
    /// </summary>
    private static IEnumerable<string> RuleHints(ActionDefinition definition, IReadOnlyDictionary<string, string> sent, string? code) =>
        definition.Parameters
            .Where(p => p.Kind != ParameterKind.StringList && p.RuleError is { } invalid && invalid.Code == code
                && sent.TryGetValue(p.Name, out var value) && value.Length > 0 && BreaksRule(p, value))
            .Select(p => $"opensag smartag: --{p.Name} must be {p.Rule}.");

    private static bool BreaksRule(ParameterSpec parameter, string value)
    {
        try
        {
            parameter.Parse(value);
            return false;
        }
        catch (ApiException)
        {
            return true;
        }
    }

    private static async Task<int> PrintAnswerAsync(ActionDefinition definition, IReadOnlyDictionary<string, string> sent, ApiAnswer answer, bool table)
    {
        if (answer.Json is not { } json)
        {
            // XML (Format=XML) or something that is not ours: print it as it came, but for what a terminal acts on.
            Console.WriteLine(TerminalText.EscapeDocument(answer.Body, TerminalText.XmlReference));
            return answer.Status < 400 ? ExitCodes.Ok : ExitCodes.Failed;
        }

        if (answer.IsError)
        {
            await Console.Error.WriteLineAsync(answer.ErrorLine);
            if (MissingFlagHint(definition, sent, answer.Code) is { } hint)
            {
                await Console.Error.WriteLineAsync(hint);
            }

            foreach (var rule in RuleHints(definition, sent, answer.Code))
            {
                await Console.Error.WriteLineAsync(rule);
            }

            return ExitCodes.Failed;
        }

        if (table)
        {
            AnswerTable.Write(Console.Out, definition.Response, json);
        }
        else
        {
            Console.WriteLine(AnswerJson.Serialize(json));
        }

        return ExitCodes.Ok;
    }

    private static void PrintActions()
    {
        Console.WriteLine("Actions (opensag smartag <Action> --usage shows the parameters):");
        foreach (var a in Actions.All)
        {
            Console.WriteLine($"  {a.Name,-45} {a.Summary}");
        }

        Console.WriteLine();
        Console.WriteLine($"OpenSAG's own actions (sent to {ApiSurface.OpenSag.Path}, Version {ApiSurface.OpenSag.Version}):");
        foreach (var a in OwnActions.All)
        {
            Console.WriteLine($"  {a.Name,-45} {a.Summary}");
        }
    }

    private static int PrintUsage(ActionDefinition definition)
    {
        Console.WriteLine($"{definition.Name}: {definition.Summary}");
        Console.WriteLine("Parameters:");
        foreach (var p in definition.Parameters)
        {
            var flag = p.Kind == ParameterKind.StringList ? $"--{p.Name} (repeat)" : $"--{p.Name}";
            Console.WriteLine($"  {flag,-32} {p.Kind,-10} {(p.Required ? "required" : "optional"),-9} {p.Description}");
            // The rule under the description, from the same declaration that validates the value on the server.
            var error = p.RuleError is { } invalid ? $" (else {invalid.Code})" : "";
            Console.WriteLine($"  {"",-32} {"",-10} {"",-9} Rule: {p.Rule}{error}");
        }

        Console.WriteLine($"  {"--" + FormatParameter,-32} {ParameterKind.String,-10} {"optional",-9} JSON (default) or XML.");

        // The answer as declared in the catalogue, the same declaration the server writes it through.
        Console.WriteLine("Answers:");
        Console.WriteLine("  RequestId: String");
        foreach (var line in definition.Response.Describe("  "))
        {
            Console.WriteLine(line);
        }

        return ExitCodes.Ok;
    }
}
