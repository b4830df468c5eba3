using System.Globalization;

namespace OpenSag.Bench;

/// <summary>The command-line values the namespace scenarios (stream-path, layer3) take: whole numbers in a range and path lists.</summary>
internal static class ScenarioArguments
{
    /// <summary>The whole number <paramref name="value"/> of <paramref name="option"/>, from <paramref name="least"/> to <paramref name="most"/>.</summary>
    /// <exception cref="ArgumentException">Not a whole number in that range.</exception>
    public static int Whole(string option, string value, int least, int most) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= least && n <= most
            ? n
            : throw new ArgumentException($"{option} takes a whole number from {least} to {most}, not '{value}'");

    /// <summary>The comma list <paramref name="value"/> of <paramref name="option"/>, each one of <paramref name="known"/>.</summary>
    /// <exception cref="ArgumentException">Empty, or a name not in <paramref name="known"/>.</exception>
    public static string[] Paths(string option, string value, IReadOnlyCollection<string> known)
    {
        var paths = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return paths.Length > 0 && paths.All(known.Contains)
            ? paths
            : throw new ArgumentException($"{option} takes a comma list of {string.Join(", ", known)}, not '{value}'");
    }
}
