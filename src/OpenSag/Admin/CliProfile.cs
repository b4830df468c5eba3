using System.Text.Json;
using System.Text.Json.Serialization;

namespace OpenSag.Cli.Admin;

/// <summary>
/// Where the admin CLI sends requests and with which key. Each field comes from the first of: a flag, the
/// environment (OPENSAG_ENDPOINT, OPENSAG_ACCESS_KEY_ID, OPENSAG_ACCESS_KEY_SECRET), the profile file
/// (<c>--profile</c>, else OPENSAG_PROFILE, else <c>~/.opensag/profile.json</c>).
/// </summary>
internal sealed record CliProfile
{
    public static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    [JsonPropertyName("endpoint")]
    public string? Endpoint { get; init; }

    [JsonPropertyName("accessKeyId")]
    public string? AccessKeyId { get; init; }

    [JsonPropertyName("accessKeySecret")]
    public string? AccessKeySecret { get; init; }

    public static string DefaultPath =>
        Environment.GetEnvironmentVariable("OPENSAG_PROFILE") is { Length: > 0 } path
            ? path
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".opensag", "profile.json");

    public static CliProfile Load(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            return JsonSerializer.Deserialize<CliProfile>(stream, JsonOptions) ?? new CliProfile();
        }
        catch (JsonException e)
        {
            throw new CliException($"the profile {path} is not valid JSON: {e.Message}");
        }
    }

    /// <summary>Flags over environment over file; a missing explicit profile file is an error, a missing default one is not.</summary>
    public static CliProfile Resolve(string? profilePath, string? endpoint, string? accessKeyId, string? accessKeySecret)
    {
        var path = profilePath ?? DefaultPath;
        CliProfile file;
        if (File.Exists(path))
        {
            file = Load(path);
        }
        else if (profilePath is not null)
        {
            throw new CliException($"the profile {profilePath} does not exist.");
        }
        else
        {
            file = new CliProfile();
        }

        return new CliProfile
        {
            Endpoint = endpoint ?? Env("OPENSAG_ENDPOINT") ?? file.Endpoint ?? "http://127.0.0.1:8080",
            AccessKeyId = accessKeyId ?? Env("OPENSAG_ACCESS_KEY_ID") ?? file.AccessKeyId,
            AccessKeySecret = accessKeySecret ?? Env("OPENSAG_ACCESS_KEY_SECRET") ?? file.AccessKeySecret,
        };
    }

    private static string? Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : null;
}

/// <summary>A CLI refusal whose message is the whole story for the user.</summary>
internal sealed class CliException(string message) : Exception(message);
