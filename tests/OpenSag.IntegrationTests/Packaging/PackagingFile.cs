using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.Packaging;

/// <summary>The files under packaging/: read as the tests check them, not as systemd or a container builder would run them.</summary>
internal static class PackagingFile
{
    public static string PathOf(string name) => Path.Combine(RepositoryLayout.RootDirectory, "packaging", name);

    /// <summary>The value of <paramref name="key"/> in a systemd unit (the last one given wins, as in systemd).</summary>
    /// <exception cref="InvalidOperationException">The unit has no such key.</exception>
    public static string UnitValue(string unitText, string key) =>
        unitText.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith(key + "=", StringComparison.Ordinal)).Select(l => l[(key.Length + 1)..]).LastOrDefault()
        ?? throw new InvalidOperationException($"the unit has no {key}=");

    /// <summary>A Containerfile instruction's JSON array (exec form), e.g. ENTRYPOINT's, or HEALTHCHECK's after CMD.</summary>
    /// <exception cref="InvalidOperationException">No such instruction in exec form.</exception>
    public static string[] ExecForm(string containerfile, string instruction)
    {
        var line = containerfile.Split('\n').SingleOrDefault(l => l.StartsWith(instruction + " ", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"the Containerfile has no {instruction}");
        var array = line[line.IndexOf('[', StringComparison.Ordinal)..];
        return System.Text.Json.JsonSerializer.Deserialize<string[]>(array) ?? throw new InvalidOperationException($"{instruction} is not in exec form");
    }
}
