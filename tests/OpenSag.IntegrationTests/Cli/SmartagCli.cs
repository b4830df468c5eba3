using System.Text.Json;
using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.Cli;

/// <summary>Runs <c>opensag smartag …</c> as a user would, with a bounded wait, and captures what it printed.</summary>
internal static class SmartagCli
{
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
        var run = await OpensagCommand.RunAsync(environment, ["smartag", .. arguments]);
        return new Result(run.ExitCode, run.Stdout, run.Stderr);
    }
}
