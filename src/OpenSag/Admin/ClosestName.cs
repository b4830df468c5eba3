namespace OpenSag.Cli.Admin;

/// <summary>
/// "Did you mean …?" for a misspelt action or flag: the known name equal to the given one ignoring case, else the one
/// fewest single-character edits away (insert, delete, substitute, swap two neighbours), if it is close enough to be
/// a slip rather than another word.
/// </summary>
internal static class ClosestName
{
    /// <summary>
    /// The best candidate, or null. "Close enough" is at most one edit per three characters of the longer name, and
    /// at least one: KickOutClint → KickOutClients is 2 edits in 14, SmartAGid → SmartAGId differs only in case.
    /// </summary>
    public static string? Find(string given, IEnumerable<string> candidates)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            if (string.Equals(given, candidate, StringComparison.OrdinalIgnoreCase))
            {
                return candidate;
            }

            var distance = Distance(given.ToUpperInvariant(), candidate.ToUpperInvariant());
            if (distance < bestDistance && distance <= Math.Max(1, Math.Max(given.Length, candidate.Length) / 3))
            {
                (best, bestDistance) = (candidate, distance);
            }
        }

        return best;
    }

    /// <summary>Optimal string alignment distance (Levenshtein plus adjacent transpositions), O(a·b) time.</summary>
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
