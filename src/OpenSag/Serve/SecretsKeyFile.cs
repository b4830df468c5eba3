using System.Security.Cryptography;
using OpenSag.Security;

namespace OpenSag.Cli.Serve;

/// <summary>
/// The key that seals access-key secrets in the database (<see cref="AccessKeySecretCipher"/>): 32 raw bytes in a
/// file apart from the database, <c>&lt;data&gt;/secrets.key</c> (mode 600, made on first start), or the file named by
/// <c>--secrets-key</c> / <c>OPENSAG_SECRETS_KEY_FILE</c>, which every node sharing one PostgreSQL database must be
/// given (README "Running several nodes").
/// </summary>
internal static class SecretsKeyFile
{
    public const string DefaultFileName = "secrets.key";
    public const string Variable = "OPENSAG_SECRETS_KEY_FILE";

    /// <summary>
    /// Reads the named key file, or the data folder's (creating it when missing). A file of the wrong size is
    /// refused, never replaced: a replaced key would leave every stored secret unreadable.
    /// </summary>
    /// <param name="path">The operator's key file, which must exist; null for <c>&lt;data&gt;/secrets.key</c>.</param>
    /// <exception cref="ServerStartException">The file is missing (when named) or not 32 bytes long.</exception>
    public static AccessKeySecretCipher LoadOrCreate(string dataDirectory, string? path)
    {
        var named = path is not null;
        path = Locate(dataDirectory, path);
        if (!named && !File.Exists(path))
        {
            Create(path);
        }

        byte[] key;
        try
        {
            key = File.ReadAllBytes(path);
        }
        catch (FileNotFoundException)
        {
            throw new ServerStartException($"--secrets-key: {path} does not exist (make one with: head -c 32 /dev/urandom > {path}; chmod 600 {path}).");
        }

        try
        {
            return key.Length == AccessKeySecretCipher.KeyBytes
                ? new AccessKeySecretCipher(key)
                : throw new ServerStartException($"the secrets key {path} holds {key.Length} bytes, not {AccessKeySecretCipher.KeyBytes}; give the key file the stored access-key secrets were sealed with.");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>The key file in use: the one named, else the data folder's.</summary>
    public static string Locate(string dataDirectory, string? path) => path ?? Path.Combine(dataDirectory, DefaultFileName);

    /// <summary>Writes a new random key beside its final name and links it into place, so nobody reads a partial key.</summary>
    private static void Create(string path)
    {
        var temp = $"{path}.{Environment.ProcessId}.tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        var key = RandomNumberGenerator.GetBytes(AccessKeySecretCipher.KeyBytes);
        try
        {
            using (var stream = new FileStream(temp, options))
            {
                stream.Write(key);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another process on the same folder made it first; use theirs.
            File.Delete(temp);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }
}
