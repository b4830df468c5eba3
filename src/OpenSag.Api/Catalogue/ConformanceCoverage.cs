using System.Text;
using System.Text.Json;

namespace OpenSag.Api.Catalogue;

/// <summary>
/// Which official client flavour (pop-get, pop-post, openapi-v3, openapi-v2) called which action in which
/// conformance scenario, and whether it got an answer or an error: recorded by tests/conformance/lib/clients.js while
/// the scenarios run (OPENSAG_CONFORMANCE_RECORD), checked into tests/conformance/coverage.json, and shown per action
/// in docs/api-coverage.md. Measured, not declared: a scenario whose calls change no longer matches its entry.
/// </summary>
public sealed class ConformanceCoverage
{
    /// <summary>The official client flavours, in the order tables show them (tests/conformance/lib/clients.js).</summary>
    public static readonly IReadOnlyList<string> Clients = ["pop-get", "pop-post", "openapi-v3", "openapi-v2"];

    private readonly SortedDictionary<string, SortedDictionary<string, Exercise>> _scenarios = new(StringComparer.Ordinal);

    /// <summary>What one scenario did with one action: the clients that got an answer, and those that got an error.</summary>
    public sealed record Exercise(IReadOnlySet<string> Answers, IReadOnlySet<string> Errors);

    public IEnumerable<string> Scenarios => _scenarios.Keys;

    /// <summary>The scenario's calls per action, or null when the scenario has no entry.</summary>
    public IReadOnlyDictionary<string, Exercise>? Scenario(string name) => _scenarios.GetValueOrDefault(name);

    /// <summary>Every (scenario, exercise) of one action, by scenario name.</summary>
    public IEnumerable<(string Scenario, Exercise Exercise)> OfAction(string action) =>
        _scenarios.Where(s => s.Value.ContainsKey(action)).Select(s => (s.Key, s.Value[action]));

    /// <summary>Sets a scenario's entry (replacing any) from its recorded calls.</summary>
    public void Set(string scenario, IReadOnlyDictionary<string, Exercise> actions)
    {
        ArgumentNullException.ThrowIfNull(actions);
        _scenarios[scenario] = new(actions.ToDictionary(), StringComparer.Ordinal);
    }

    public void Remove(string scenario) => _scenarios.Remove(scenario);

    /// <summary>
    /// Reads the record clients.js appends, one JSON object a line: <c>{"action":…,"client":…,"outcome":"answer"|"error"}</c>.
    /// </summary>
    public static IReadOnlyDictionary<string, Exercise> ReadRecord(IEnumerable<string> lines)
    {
        var calls = new Dictionary<string, (SortedSet<string> Answers, SortedSet<string> Errors)>(StringComparer.Ordinal);
        foreach (var line in lines.Where(l => l.Length > 0))
        {
            using var entry = JsonDocument.Parse(line);
            var action = entry.RootElement.GetProperty("action").GetString()!;
            var client = entry.RootElement.GetProperty("client").GetString()!;
            if (!calls.TryGetValue(action, out var sets))
            {
                sets = calls[action] = (new(StringComparer.Ordinal), new(StringComparer.Ordinal));
            }

            (entry.RootElement.GetProperty("outcome").GetString() == "error" ? sets.Errors : sets.Answers).Add(client);
        }

        return calls.ToDictionary(c => c.Key, c => new Exercise(c.Value.Answers, c.Value.Errors), StringComparer.Ordinal);
    }

    /// <summary>Parses coverage.json: <c>{scenario: {action: {"answers": [clients], "errors": [clients]}}}</c>.</summary>
    public static ConformanceCoverage Parse(string json)
    {
        var coverage = new ConformanceCoverage();
        using var document = JsonDocument.Parse(json);
        foreach (var scenario in document.RootElement.EnumerateObject())
        {
            coverage.Set(scenario.Name, scenario.Value.EnumerateObject().ToDictionary(
                a => a.Name,
                a => new Exercise(Names(a.Value, "answers"), Names(a.Value, "errors")),
                StringComparer.Ordinal));
        }

        return coverage;
    }

    /// <summary>The file's text: scenarios and actions in ordinal order, a line per action, clients in <see cref="Clients"/> order, <c>\n</c> line ends.</summary>
    public string ToJson()
    {
        var text = new StringBuilder("{");
        var firstScenario = true;
        foreach (var (scenario, actions) in _scenarios)
        {
            text.Append(firstScenario ? "\n" : ",\n").Append("  ").Append(Quoted(scenario)).Append(": {");
            firstScenario = false;
            var firstAction = true;
            foreach (var (action, exercise) in actions)
            {
                text.Append(firstAction ? "\n" : ",\n").Append("    ").Append(Quoted(action))
                    .Append(": { \"answers\": ").Append(NameList(exercise.Answers))
                    .Append(", \"errors\": ").Append(NameList(exercise.Errors)).Append(" }");
                firstAction = false;
            }

            text.Append(actions.Count > 0 ? "\n  }" : "}");
        }

        return text.Append(_scenarios.Count > 0 ? "\n}\n" : "}\n").ToString();
    }

    /// <summary>True when both say the same for <paramref name="scenario"/>.</summary>
    public static bool SameCalls(IReadOnlyDictionary<string, Exercise>? left, IReadOnlyDictionary<string, Exercise>? right) =>
        left is not null && right is not null && left.Count == right.Count && left.All(l =>
            right.TryGetValue(l.Key, out var r) && l.Value.Answers.SetEquals(r.Answers) && l.Value.Errors.SetEquals(r.Errors));

    private static SortedSet<string> Names(JsonElement exercise, string property) =>
        new(exercise.TryGetProperty(property, out var list) ? list.EnumerateArray().Select(c => c.GetString()!) : [], StringComparer.Ordinal);

    private static string NameList(IEnumerable<string> clients) =>
        "[" + string.Join(", ", clients.OrderBy(IndexOf).ThenBy(c => c, StringComparer.Ordinal).Select(Quoted)) + "]";

    private static string Quoted(string value) => JsonSerializer.Serialize(value);

    private static int IndexOf(string client)
    {
        for (var i = 0; i < Clients.Count; i++)
        {
            if (Clients[i] == client)
            {
                return i;
            }
        }

        return Clients.Count;
    }
}
