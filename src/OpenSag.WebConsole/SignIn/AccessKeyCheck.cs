using System.Security.Cryptography;
using System.Text;
using OpenSag.Domain;
using OpenSag.Storage;

namespace OpenSag.WebConsole.SignIn;

/// <summary>
/// Checks an access key pair typed into the sign-in form against the keys the API checks (the same
/// <see cref="IAccessKeyStore"/>, cached as for signed calls). A disabled key is refused like a wrong one.
/// </summary>
public sealed class AccessKeyCheck(IAccessKeyStore keys)
{
    /// <summary>Longest id or secret looked at; longer is simply wrong (the store's keys are far shorter).</summary>
    public const int MaxLength = 256;

    /// <summary>Whether <paramref name="accessKeyId"/> names an enabled key whose secret is <paramref name="secret"/>.</summary>
    /// <remarks>
    /// The secrets are compared as SHA-256 digests in constant time, so neither the time taken nor an early exit on a
    /// length difference tells a guesser how much of a secret was right; an unknown id is compared too, against nothing.
    /// </remarks>
    public async Task<bool> IsValidAsync(string accessKeyId, string secret, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(accessKeyId);
        ArgumentNullException.ThrowIfNull(secret);
        var key = IsLookupable(accessKeyId) ? await keys.FindAccessKeyAsync(accessKeyId, cancellationToken) : null;
        var expected = SHA256.HashData(Encoding.UTF8.GetBytes(key?.AccessKeySecret ?? ""));
        var given = SHA256.HashData(Encoding.UTF8.GetBytes(secret.Length <= MaxLength ? secret : ""));
        var equal = CryptographicOperations.FixedTimeEquals(expected, given);
        return key is { Enabled: true } && secret.Length is > 0 and <= MaxLength && equal;
    }

    /// <summary>Whether the key a signed-in session was opened with still exists and is enabled.</summary>
    public async Task<bool> IsEnabledAsync(string accessKeyId, CancellationToken cancellationToken) =>
        IsLookupable(accessKeyId) && await keys.FindAccessKeyAsync(accessKeyId, cancellationToken) is { Enabled: true };

    /// <summary>An id no store can hold (a NUL would fail PostgreSQL's query itself) names no key and is not looked up.</summary>
    private static bool IsLookupable(string accessKeyId) =>
        accessKeyId.Length is > 0 and <= MaxLength && PortableText.IndexOfUnportable(accessKeyId) < 0;
}
