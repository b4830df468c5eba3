using System.Security.Cryptography;
using System.Text;

namespace OpenSag.Security;

/// <summary>
/// Slow salted password hashes: PBKDF2-HMAC-SHA512, 210,000 iterations (OWASP's figure for SHA-512), 16-byte
/// salt, 64-byte output. The stored form carries its own parameters, <c>pbkdf2-sha512$iterations$salt$hash</c>
/// (base64), so the cost can be raised later without breaking existing users.
/// </summary>
public static class PasswordHash
{
    public const int DefaultIterations = 210_000;
    private const string Scheme = "pbkdf2-sha512";
    private const int SaltBytes = 16;
    private const int HashBytes = 64;

    public static string Create(string password, int iterations = DefaultIterations)
    {
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var hash = Derive(password, salt, iterations);
        return $"{Scheme}${iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}";
    }

    /// <summary>Constant-time check of a password against a stored hash; a malformed stored value never matches.</summary>
    public static bool Verify(string password, string stored)
    {
        var parts = stored.Split('$');
        if (parts.Length != 4 || parts[0] != Scheme || !int.TryParse(parts[1], out var iterations) || iterations < 1)
        {
            return false;
        }

        byte[] salt, expected;
        try
        {
            salt = Convert.FromBase64String(parts[2]);
            expected = Convert.FromBase64String(parts[3]);
        }
        catch (FormatException)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(Derive(password, salt, iterations), expected);
    }

    /// <summary>
    /// A hash of a random password, verified against when the user does not exist, so that a login costs the
    /// same whether or not the name is known (no user enumeration by timing).
    /// </summary>
    public static string Decoy { get; } = Create(Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)));

    private static byte[] Derive(string password, byte[] salt, int iterations) =>
        Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA512, HashBytes);
}
