using System.Reflection;

namespace OpenSag.IntegrationTests.Support;

/// <summary>
/// Where things are in the repository, found from the test assembly's own location, so the tests run the
/// server binary built in the same configuration as themselves (Debug tests → Debug server).
/// </summary>
public static class RepositoryLayout
{
    private const string SolutionFileName = "OpenSag.slnx";

    private static readonly Lazy<string> Root = new(FindRoot);

    /// <summary>The folder holding OpenSag.slnx.</summary>
    public static string RootDirectory => Root.Value;

    /// <summary>The build configuration of this test assembly (Debug or Release).</summary>
    public static string Configuration =>
        typeof(RepositoryLayout).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration is { Length: > 0 } configuration
            ? configuration
            : "Debug";

    /// <summary>src/OpenSag/bin/&lt;Configuration&gt;/net10.0/opensag.dll.</summary>
    public static string ServerAssemblyPath =>
        Path.Combine(RootDirectory, "src", "OpenSag", "bin", Configuration, "net10.0", "opensag.dll");

    /// <summary>The dotnet host that runs opensag.dll: the one running these tests (DOTNET_HOST_PATH), else dotnet on PATH.</summary>
    public static string DotnetHost =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    /// <summary>tests/conformance: the Node.js SDK scenarios.</summary>
    public static string ConformanceDirectory => Path.Combine(RootDirectory, "tests", "conformance");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, SolutionFileName)))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException(
            $"No {SolutionFileName} above {AppContext.BaseDirectory}: the integration tests must run from a build inside the repository.");
    }
}
