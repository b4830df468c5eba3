using OpenSag.Api.Catalogue;
using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.Conformance;

/// <summary>
/// What one conformance scenario did through the official clients (tests/conformance/lib/clients.js appends a line
/// per call to the file named by OPENSAG_CONFORMANCE_RECORD), compared with that scenario's entry in
/// tests/conformance/coverage.json, from which docs/api-coverage.md says which clients exercise which action. With
/// OPENSAG_UPDATE_DOCS=1 the entry is rewritten instead (then run the Docs tests the same way to regenerate the table).
/// </summary>
internal sealed class CoverageRecord : IDisposable
{
    public static string CoverageFile => Path.Combine(RepositoryLayout.ConformanceDirectory, "coverage.json");

    private readonly string _path = Path.Combine(Path.GetTempPath(), $"opensag-conformance-{Guid.NewGuid():N}.jsonl");

    public IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string> { ["OPENSAG_CONFORMANCE_RECORD"] = _path };

    public void AssertMatchesCoverageFile(string scenario)
    {
        var recorded = ConformanceCoverage.ReadRecord(File.Exists(_path) ? File.ReadAllLines(_path) : []);
        var coverage = ConformanceCoverage.Parse(File.Exists(CoverageFile) ? File.ReadAllText(CoverageFile) : "{}");
        if (ConformanceCoverage.SameCalls(coverage.Scenario(scenario), recorded))
        {
            return;
        }

        coverage.Set(scenario, recorded);
        if (System.Environment.GetEnvironmentVariable("OPENSAG_UPDATE_DOCS") == "1")
        {
            File.WriteAllText(CoverageFile, coverage.ToJson());
            return;
        }

        var entry = ConformanceCoverage.Parse("{}");
        entry.Set(scenario, recorded);
        Assert.Fail($"tests/conformance/coverage.json does not say what scenario {scenario} did through the official clients; "
            + $"rerun the conformance tests with OPENSAG_UPDATE_DOCS=1 (then the Docs tests, for docs/api-coverage.md), or set its entry to:\n{entry.ToJson()}");
    }

    public void Dispose() => File.Delete(_path);
}
