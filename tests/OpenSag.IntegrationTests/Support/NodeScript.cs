using System.Diagnostics;

namespace OpenSag.IntegrationTests.Support;

/// <summary>Runs tests/conformance/run.js with Node.js, bounded in time, and returns its exit code and output.</summary>
public static class NodeScript
{
    /// <summary>One scenario is a few dozen loopback requests; this only catches a hang.</summary>
    public static readonly TimeSpan ScenarioTimeout = TimeSpan.FromSeconds(60);

    public sealed record Result(int ExitCode, string Output);

    /// <summary>Fails (with the command to fix it) when the SDK clients are not installed.</summary>
    public static void AssertClientsInstalled()
    {
        var sdk = Path.Combine(RepositoryLayout.ConformanceDirectory, "node_modules", "@alicloud", "pop-core");
        Assert.True(
            Directory.Exists(sdk),
            $"The Node.js SDK clients are not installed ({sdk} is missing). Run: npm ci --prefix tests/conformance");
    }

    /// <param name="arguments">run.js's arguments.</param>
    /// <param name="server">The server to drive, or null (e.g. for --list).</param>
    /// <param name="environment">Further environment variables, e.g. OPENSAG_CONFORMANCE_RECORD.</param>
    public static async Task<Result> RunAsync(IEnumerable<string> arguments, OpenSagServer? server, IReadOnlyDictionary<string, string>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = RepositoryLayout.ConformanceDirectory,
        };
        start.ArgumentList.Add("run.js");
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        if (server is not null)
        {
            start.Environment["OPENSAG_ENDPOINT"] = server.Endpoint.GetLeftPart(UriPartial.Authority);
            start.Environment["OPENSAG_ACCESS_KEY_ID"] = server.AccessKeyId;
            start.Environment["OPENSAG_ACCESS_KEY_SECRET"] = server.AccessKeySecret;
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var output = new ProcessOutput();
        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException("Node.js (node) is needed for the SDK conformance tests and was not found on PATH.", ex);
        }

        output.Attach(process);
        try
        {
            await process.WaitForExitAsync().WaitAsync(ScenarioTimeout);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            return new Result(-1, $"node run.js {string.Join(' ', start.ArgumentList.Skip(1))} did not finish within {ScenarioTimeout.TotalSeconds} s and was killed.\n{output.Text}");
        }

        return new Result(process.ExitCode, output.Text);
    }
}
