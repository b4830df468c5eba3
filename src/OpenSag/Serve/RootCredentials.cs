using System.Text.Json;
using OpenSag.Cli.Admin;
using OpenSag.Domain;
using OpenSag.Storage;

namespace OpenSag.Cli.Serve;

/// <summary>
/// The root access key (DESIGN.md §2): taken from OPENSAG_ROOT_ACCESS_KEY_ID / _SECRET when both are set,
/// otherwise generated on first start. Either way it is stored, and a CLI profile with it is kept at
/// <c>&lt;data&gt;/root-profile.json</c> (mode 600) so the admin CLI works against a fresh server at once.
/// </summary>
internal static class RootCredentials
{
    public const string ProfileFileName = "root-profile.json";

    /// <returns>The key, and whether it was generated just now (then it is printed, once).</returns>
    public static async Task<(AccessKey Key, bool Generated)> EnsureAsync(IOpenSagStore store, string dataDirectory, CancellationToken cancellationToken)
    {
        var id = Environment.GetEnvironmentVariable("OPENSAG_ROOT_ACCESS_KEY_ID");
        var secret = Environment.GetEnvironmentVariable("OPENSAG_ROOT_ACCESS_KEY_SECRET");
        if (!string.IsNullOrEmpty(id) && !string.IsNullOrEmpty(secret))
        {
            var existing = await store.FindAccessKeyAsync(id, cancellationToken);
            if (existing is not null && existing.AccessKeySecret != secret)
            {
                throw new ServerStartException($"access key {id} already exists in the data folder with a different secret.");
            }

            var key = existing ?? new AccessKey(id, secret, Enabled: true, DateTimeOffset.UtcNow);
            await store.TryAddAccessKeyAsync(key, cancellationToken);
            return (key, false);
        }

        var profilePath = Path.Combine(dataDirectory, ProfileFileName);
        if (File.Exists(profilePath))
        {
            var saved = CliProfile.Load(profilePath);
            var stored = await store.FindAccessKeyAsync(saved.AccessKeyId ?? "", cancellationToken);
            if (stored is not null)
            {
                return (stored, false);
            }
        }

        var generated = new AccessKey(ResourceIds.NewAccessKeyId(), ResourceIds.NewAccessKeySecret(), Enabled: true, DateTimeOffset.UtcNow);
        await store.TryAddAccessKeyAsync(generated, cancellationToken);
        return (generated, true);
    }

    /// <summary>Writes the CLI profile for the root key, readable by the owner only.</summary>
    public static void WriteProfile(string dataDirectory, AccessKey key, string endpoint)
    {
        var path = Path.Combine(dataDirectory, ProfileFileName);
        var profile = new CliProfile { Endpoint = endpoint, AccessKeyId = key.AccessKeyId, AccessKeySecret = key.AccessKeySecret };
        var temp = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temp, options))
        {
            JsonSerializer.Serialize(stream, profile, CliProfile.JsonOptions);
        }

        File.Move(temp, path, overwrite: true);
    }
}

/// <summary>A start-up refusal whose message is the whole story for the operator.</summary>
internal sealed class ServerStartException(string message) : Exception(message);
