using System.Text.Json;
using System.Text.Json.Serialization;

namespace OpenSag.Cli.Admin;

/// <summary>
/// Where the admin CLI sends requests and with which key. Each field comes from the first of: a flag, the
/// environment (OPENSAG_ENDPOINT, OPENSAG_ACCESS_KEY_ID, OPENSAG_ACCESS_KEY_SECRET, OPENSAG_REGION_ID), the profile file
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

    /// <summary>
    /// The RegionId <c>opensag sessions</c> uses when <c>--region</c> is not given (then OPENSAG_REGION_ID, then this);
    /// null when neither sets one. <c>opensag smartag</c> sends only the <c>--RegionId</c> it is given, as the cloud's
    /// API requires it.
    /// </summary>
    [JsonPropertyName("regionId")]
    public string? RegionId { get; init; }

    /// <summary>The profile used when none is named: <c>~/.opensag/profile.json</c>; it need not exist.</summary>
    public static string DefaultPath =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".opensag", "profile.json");

    /// <summary>Reads a profile file.</summary>
    /// <exception cref="CliException">The file cannot be read or is not valid JSON; the message names it.</exception>
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
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"cannot read the profile {path}: {e.Message}");
        }
    }

    /// <summary>
    /// Flags over environment over file. A profile the user named (<c>--profile</c>, else OPENSAG_PROFILE) must
    /// exist; only the default one may be missing.
    /// </summary>
    /// <exception cref="CliException">The named profile does not exist or is not valid JSON.</exception>
    public static CliProfile Resolve(string? profilePath, string? endpoint, string? accessKeyId, string? accessKeySecret)
    {
        var (named, source) = profilePath is not null ? (profilePath, "--profile") : (Env("OPENSAG_PROFILE"), "OPENSAG_PROFILE");
        CliProfile file;
        if (named is not null)
        {
            // The full path: a relative one is read from the current folder, which the user may not have in mind.
            var fullPath = Path.GetFullPath(named);
            file = File.Exists(fullPath)
                ? Load(fullPath)
                : throw new CliException($"the profile {fullPath} (from {source}) {MissingFile.Reason(fullPath)}.");
        }
        else
        {
            file = File.Exists(DefaultPath) ? Load(DefaultPath) : new CliProfile();
        }

        // The id and secret come as a pair from the first source that gives either: completing one source's half
        // from the next signs with a secret that is not the key's, which the server can only call a bad key or
        // signature.
        var (keyId, keySecret) = Pair(accessKeyId, accessKeySecret, "--access-key-id", "--access-key-secret")
            ?? Pair(Env("OPENSAG_ACCESS_KEY_ID"), Env("OPENSAG_ACCESS_KEY_SECRET"), "OPENSAG_ACCESS_KEY_ID", "OPENSAG_ACCESS_KEY_SECRET")
            ?? (file.AccessKeyId, file.AccessKeySecret);
        return new CliProfile
        {
            Endpoint = endpoint ?? Env("OPENSAG_ENDPOINT") ?? file.Endpoint ?? "http://127.0.0.1:8080",
            AccessKeyId = keyId,
            AccessKeySecret = keySecret,
            RegionId = Env("OPENSAG_REGION_ID") ?? file.RegionId,
        };
    }

    /// <summary>Both halves, or null when neither is given; one alone is a usage error naming the other.</summary>
    private static (string? Id, string? Secret)? Pair(string? id, string? secret, string idName, string secretName) => (id, secret) switch
    {
        (null, null) => null,
        (not null, null) => throw new CliException($"{idName} without {secretName}: give both, or neither to use the next source."),
        (null, not null) => throw new CliException($"{secretName} without {idName}: give both, or neither to use the next source."),
        _ => (id, secret),
    };

    private static string? Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : null;
}

/// <summary>A CLI refusal whose message is the whole story for the user.</summary>
internal sealed class CliException(string message) : Exception(message);
