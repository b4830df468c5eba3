using System.Globalization;
using System.Text.RegularExpressions;

namespace OpenSag.IntegrationTests.Support;

/// <summary>
/// One scrape of a Prometheus text-format page (version 0.0.4): every sample by its series name and labels, and every
/// metric's declared TYPE. Sample lines are <c>name{label="value",…} number</c>; label values here never hold quotes.
/// </summary>
public sealed partial class PrometheusScrape
{
    private readonly List<(string Name, IReadOnlyDictionary<string, string> Labels, double Value)> _samples = [];
    private readonly Dictionary<string, string> _types = new(StringComparer.Ordinal);

    private PrometheusScrape(string text)
    {
        Text = text;
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (TypeLine().Match(line) is { Success: true } type)
            {
                _types[type.Groups["name"].Value] = type.Groups["type"].Value;
            }
            else if (!line.StartsWith('#') && SampleLine().Match(line) is { Success: true } sample)
            {
                var labels = LabelPair().Matches(sample.Groups["labels"].Value).ToDictionary(m => m.Groups["k"].Value, m => m.Groups["v"].Value, StringComparer.Ordinal);
                _samples.Add((sample.Groups["name"].Value, labels, double.Parse(sample.Groups["value"].Value, NumberStyles.Float, CultureInfo.InvariantCulture)));
            }
        }
    }

    /// <summary>The page as scraped, for failure messages.</summary>
    public string Text { get; }

    /// <summary>GETs <paramref name="metrics"/> (bounded by the client's timeout) and parses it.</summary>
    public static async Task<PrometheusScrape> GetAsync(HttpClient http, Uri metrics)
    {
        ArgumentNullException.ThrowIfNull(http);
        using var response = await http.GetAsync(metrics);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {metrics} answered {(int)response.StatusCode}: {text}");
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType ?? "", StringComparison.Ordinal);
        return new PrometheusScrape(text);
    }

    /// <summary>The TYPE declared for a metric (counter, gauge, histogram), or null.</summary>
    public string? TypeOf(string metric) => _types.GetValueOrDefault(metric);

    /// <summary>The sum of the samples of <paramref name="name"/> whose labels include <paramref name="labels"/>; null when there is none.</summary>
    public double? Value(string name, params (string Key, string Value)[] labels)
    {
        var matching = _samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Key, out var v) && v == l.Value)).ToList();
        return matching.Count == 0 ? null : matching.Sum(s => s.Value);
    }

    /// <summary><see cref="Value"/> with 0 for a series not (yet) exported.</summary>
    public double ValueOrZero(string name, params (string Key, string Value)[] labels) => Value(name, labels) ?? 0;

    [GeneratedRegex(@"^# TYPE (?<name>\S+) (?<type>\S+)$")]
    private static partial Regex TypeLine();

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})? (?<value>\S+)$")]
    private static partial Regex SampleLine();

    [GeneratedRegex("(?<k>[a-zA-Z_][a-zA-Z0-9_]*)=\"(?<v>[^\"]*)\"")]
    private static partial Regex LabelPair();
}
