using System.CommandLine;

namespace OpenSag.Cli.Admin;

/// <summary>
/// The options every admin command that calls the API shares (<c>smartag</c>, <c>sessions</c>, <c>status</c>): where
/// to send requests, with which key, and how to print the answer; and the run loop that turns a user's mistake into
/// exit code 2 and an API that cannot be reached into exit code 1, each as one line on stderr.
/// </summary>
internal sealed class ApiConnection
{
    public const string Table = "table";
    public const string Json = "json";

    public Option<string?> Endpoint { get; } = new("--endpoint") { Description = "API endpoint URL (default from OPENSAG_ENDPOINT, the profile, or http://127.0.0.1:8080)." };

    public Option<string?> AccessKeyId { get; } = new("--access-key-id") { Description = "Access key id (default from OPENSAG_ACCESS_KEY_ID or the profile)." };

    public Option<string?> AccessKeySecret { get; } = new("--access-key-secret") { Description = "Access key secret (default from OPENSAG_ACCESS_KEY_SECRET or the profile)." };

    public Option<string?> Profile { get; } = new("--profile") { Description = "Profile file (default OPENSAG_PROFILE or ~/.opensag/profile.json); `opensag serve` writes one to <data>/root-profile.json." };

    /// <summary>
    /// Table for a person at a terminal, JSON (the API's answer) for a script or a pipe: the default follows stdout,
    /// so scripts written before this option existed still get JSON.
    /// </summary>
    public Option<string> Output { get; } = CreateOutput();

    /// <summary>The options in the order help lists them.</summary>
    public IEnumerable<Option> All => [Endpoint, AccessKeyId, AccessKeySecret, Profile, Output];

    /// <summary>True when the answer is to be printed as a table.</summary>
    public bool WantsTable(ParseResult parse) => parse.GetValue(Output) == Table;

    /// <summary>A client for the resolved endpoint and key (flags over environment over profile).</summary>
    /// <exception cref="CliException">No key, half a key, a missing or invalid profile, an endpoint that is not an http(s) URL.</exception>
    public SmartagClient CreateClient(ParseResult parse, HttpClient http) => Connect(parse, http).Client;

    /// <summary><see cref="CreateClient"/>, with the settings it was made from (the profile's RegionId among them).</summary>
    /// <exception cref="CliException">As <see cref="CreateClient"/>.</exception>
    public (SmartagClient Client, CliProfile Settings) Connect(ParseResult parse, HttpClient http)
    {
        var settings = CliProfile.Resolve(parse.GetValue(Profile), parse.GetValue(Endpoint), parse.GetValue(AccessKeyId), parse.GetValue(AccessKeySecret));
        if (settings.AccessKeyId is null || settings.AccessKeySecret is null)
        {
            throw new CliException("no access key: pass --access-key-id/--access-key-secret, set OPENSAG_ACCESS_KEY_ID/OPENSAG_ACCESS_KEY_SECRET, or use --profile (serve writes one with its root key: opensag-data/root-profile.json, or root-profile.json in its --data folder).");
        }

        if (!Uri.TryCreate(settings.Endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new CliException($"the endpoint '{settings.Endpoint}' is not an http(s) URL.");
        }

        return (new SmartagClient(http, uri, settings.AccessKeyId, settings.AccessKeySecret), settings);
    }

    /// <summary>
    /// Runs <paramref name="body"/> with an HTTP client bounded at 60 s per call; a <see cref="CliException"/> is
    /// exit code 2, an <see cref="ApiUnreachableException"/> exit code 1, each one line after <paramref name="commandName"/>.
    /// </summary>
    public static async Task<int> RunAsync(string commandName, Func<HttpClient, Task<int>> body)
    {
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
            return await body(http);
        }
        catch (CliException e)
        {
            await Console.Error.WriteLineAsync($"{commandName}: {e.Message}");
            return Serve.ExitCodes.BadUsage;
        }
        catch (ApiUnreachableException e)
        {
            await Console.Error.WriteLineAsync($"{commandName}: {e.Message}");
            return Serve.ExitCodes.Failed;
        }
    }

    private static Option<string> CreateOutput()
    {
        var output = new Option<string>("--output")
        {
            Description = "table or json (the API's answer); default: table when stdout is a terminal, json otherwise.",
            DefaultValueFactory = _ => Console.IsOutputRedirected ? Json : Table,
        };
        output.AcceptOnlyFromAmong(Table, Json);
        return output;
    }
}
