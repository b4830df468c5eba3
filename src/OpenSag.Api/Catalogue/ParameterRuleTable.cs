using System.Text;

namespace OpenSag.Api.Catalogue;

/// <summary>
/// The README's table of parameter rules, generated from the catalogue that validates requests, so what users read
/// cannot drift from what the server checks (a test compares the README with <see cref="Markdown"/>).
/// </summary>
public static class ParameterRuleTable
{
    /// <summary>The line before the generated table in README.md.</summary>
    public const string BeginMarker = "<!-- parameter rules: generated from the catalogue (ParameterRuleTable); do not edit by hand -->";

    /// <summary>The line after the generated table in README.md.</summary>
    public const string EndMarker = "<!-- end of parameter rules -->";

    /// <summary>
    /// One row per parameter name and rule, with the error a value that breaks it gets and the actions that take
    /// it so (a name whose rule differs between actions, like <c>UserName</c> as a filter, has a row per rule).
    /// Rows are ordered by name; lines end with <c>\n</c>.
    /// </summary>
    public static string Markdown(ActionTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var actions = table.All.ToList();
        var rows = actions
            .SelectMany(action => action.Parameters.Select(p => (Action: action.Name, Parameter: p)))
            .GroupBy(x => (x.Parameter.Name, x.Parameter.Kind, x.Parameter.Rule, Error: x.Parameter.RuleError?.Code ?? ""))
            .OrderBy(g => g.Key.Name, StringComparer.Ordinal)
            .ThenBy(g => g.Key.Rule, StringComparer.Ordinal);

        var text = new StringBuilder();
        text.Append("| parameter | type | rule | else | actions |\n");
        text.Append("|---|---|---|---|---|\n");
        foreach (var row in rows)
        {
            var takers = row.Select(x => x.Action).Distinct().ToList();
            var where = Where(takers, actions);
            var error = row.Key.Error.Length > 0 ? $"`{row.Key.Error}`" : "";
            text.Append($"| `{row.Key.Name}` | {row.Key.Kind} | {Cell(row.Key.Rule)} | {error} | {where} |\n");
        }

        return text.ToString();
    }

    /// <summary>The actions that take a parameter so; most actions take RegionId and SmartAGId, named by those that do not.</summary>
    private static string Where(List<string> takers, List<ActionDefinition> actions)
    {
        var others = actions.Select(a => a.Name).Except(takers).ToList();
        return others.Count switch
        {
            0 => "every action",
            <= MostExceptions => "every action except " + Names(others),
            _ => Names(takers),
        };
    }

    /// <summary>Beyond this many exceptions, naming the actions that take the parameter is the shorter list.</summary>
    private const int MostExceptions = 3;

    private static string Names(IEnumerable<string> actions) => string.Join(", ", actions.Select(a => $"`{a}`"));

    /// <summary>A rule as a table cell: a literal | would end the cell.</summary>
    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal);
}
