using System.Diagnostics;
using System.Text.Json;
using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.Cli;

/// <summary>Runs <c>opensag smartag …</c> as a user would, with a bounded wait, and captures what it printed.</summary>
internal static class SmartagCli
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(60);

    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public JsonElement Json
        {
            get
            {
                using var document = JsonDocument.Parse(Stdout);
                return document.RootElement.Clone();
            }
        }

        public override string ToString() => $"exit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}";
    }

    /// <summary>Runs with the server's endpoint and root key in the environment, unless <paramref name="environment"/> says otherwise.</summary>
    public static Task<Result> RunAsync(OpenSagServer server, params string[] arguments) =>
        RunAsync(new Dictionary<string, string?>
        {
            ["OPENSAG_ENDPOINT"] = server.Endpoint.ToString(),
            ["OPENSAG_ACCESS_KEY_ID"] = server.AccessKeyId,
            ["OPENSAG_ACCESS_KEY_SECRET"] = server.AccessKeySecret,
        }, arguments);

    public static async Task<Result> RunAsync(IReadOnlyDictionary<string, string?> environment, params string[] arguments)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(RepositoryLayout.ServerAssemblyPath);
        start.ArgumentList.Add("smartag");
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Nothing from the developer's own shell or profile may leak into the run.
        foreach (var name in new[] { "OPENSAG_ENDPOINT", "OPENSAG_ACCESS_KEY_ID", "OPENSAG_ACCESS_KEY_SECRET", "OPENSAG_PROFILE" })
        {
            start.Environment.Remove(name);
        }

        start.Environment["HOME"] = Path.GetTempPath();
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start opensag");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(RunTimeout);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"opensag smartag {string.Join(' ', arguments)} did not finish within {RunTimeout.TotalSeconds} s");
        }

        return new Result(process.ExitCode, await stdout, await stderr);
    }
}
