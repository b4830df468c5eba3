using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.Cli;

/// <summary>
/// Relative paths mean the caller's folder, also under <c>dotnet run</c> (which would otherwise start the app in
/// src/OpenSag), and a profile the user named but that is not there is its own error, naming the file.
/// </summary>
public sealed class RelativePathTests
{
    [Fact]
    public async Task DotnetRun_RelativeProfilePath_ResolvesAgainstTheCallersFolder()
    {
        var caller = Directory.CreateTempSubdirectory("opensag-caller-").FullName;
        var project = Path.Combine(RepositoryLayout.RootDirectory, "src", "OpenSag");
        // The test host's MSBuild variables would point a nested `dotnet run` at the test's own build.
        var environment = Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .Where(name => name.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || name.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase))
            .ToDictionary(name => name, _ => (string?)null);

        var result = await OpensagCommand.RunProgramAsync(RepositoryLayout.DotnetHost,
            ["run", "--no-build", "-c", RepositoryLayout.Configuration, "--project", project, "--",
                "smartag", "--profile", "my-profile.json", "DescribeSmartAccessGateways", "--RegionId", "cn-shanghai"],
            environment, caller);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains($"the profile {Path.Combine(caller, "my-profile.json")} (from --profile) does not exist", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Smartag_OpenSagProfileNamesAMissingFile_ExitsTwoNamingTheFile()
    {
        var missing = Path.Combine(Path.GetTempPath(), "opensag-no-such-folder", "root-profile.json");

        var result = await OpensagCommand.RunAsync(new Dictionary<string, string?> { ["OPENSAG_PROFILE"] = missing },
            "smartag", "DescribeSmartAccessGateways", "--RegionId", "cn-shanghai");

        Assert.True(result.ExitCode == 2, result.ToString());
        var line = Assert.Single(result.ErrorLines);
        Assert.Equal($"opensag smartag: the profile {missing} (from OPENSAG_PROFILE) does not exist.", line);
    }
}
