using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace OpenSag.Gateway.Security;

/// <summary>
/// Session credentials: <c>v2.sessionId.smartAgId.userName.generation.loginId.expires.stamp.mac</c>, base64url parts,
/// MAC = HMAC-SHA256 with the gateway's key (kept in the data folder, so tokens survive a restart and a client can
/// resume after one). A token resumes only while four things hold, each checked by <see cref="Sessions.LoginVerifier"/>:
/// the user's session generation is the one it was issued under (a kick bumps it), its <c>stamp</c> still matches the
/// stored password hash (a password reset is a credential change: <see cref="StampOf"/>), it has not expired
/// (<c>expires</c>, Unix seconds, set once at the password login and carried unchanged through every resume, so a
/// stolen token cannot be renewed forever), and its <c>loginId</c> has not logged out (<see cref="Revocations"/>).
/// </summary>
public sealed class SessionTokens(byte[] key, RevokedLogins revocations)
{
    private const string Version = "v2";

    /// <summary>A gateway with no data folder (tests): revocations are kept in memory only.</summary>
    public SessionTokens(byte[] key)
        : this(key, RevokedLogins.InMemory())
    {
    }

    /// <summary>Logins that logged out, until their tokens expire.</summary>
    public RevokedLogins Revocations { get; } = revocations;

    /// <summary>Loads the key and the revocation list from <paramref name="dataDirectory"/>, creating the key on first start.</summary>
    public static SessionTokens LoadOrCreate(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, "gateway-token.key");
        var revocations = RevokedLogins.Open(Path.Combine(dataDirectory, RevokedLogins.FileName));
        if (File.Exists(path))
        {
            var existing = File.ReadAllBytes(path);
            if (existing.Length == 32)
            {
                return new SessionTokens(existing, revocations);
            }
        }

        var key = RandomNumberGenerator.GetBytes(32);
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(path, options))
        {
            stream.Write(key);
            stream.Flush(flushToDisk: true);
        }

        return new SessionTokens(key, revocations);
    }

    /// <summary>
    /// The credential stamp of a stored password hash: 96 bits of HMAC(key, hash). Any reset stores a new salt, so the
    /// stamp changes even when the password is set to the same value; the MAC keeps the hash itself out of the token.
    /// </summary>
    public string StampOf(string passwordHash) =>
        Base64Url(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes("password-stamp\n" + passwordHash))[..12]);

    public string Issue(SessionClaims claims)
    {
        var body = string.Join('.', Version, Encode(claims.SessionId), Encode(claims.SmartAGId), Encode(claims.UserName),
            claims.Generation.ToString(CultureInfo.InvariantCulture), Encode(claims.LoginId),
            claims.ExpiresAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), claims.Stamp);
        return body + "." + Base64Url(Mac(body));
    }

    /// <summary>
    /// Reads a token this gateway issued. <see cref="TokenRead.Invalid"/>: not ours or malformed (forged, another
    /// node's, garbage); <see cref="TokenRead.Outdated"/>: ours (the MAC holds) but of an earlier format, which a
    /// client should answer with a password login, not be treated as kicked for.
    /// </summary>
    public TokenRead TryRead(string token, out SessionClaims claims)
    {
        claims = null!;
        var lastDot = token.LastIndexOf('.');
        if (lastDot <= 0)
        {
            return TokenRead.Invalid;
        }

        var body = token[..lastDot];
        byte[] mac;
        try
        {
            mac = Convert.FromBase64String(FromBase64Url(token[(lastDot + 1)..]));
        }
        catch (FormatException)
        {
            return TokenRead.Invalid;
        }

        if (!CryptographicOperations.FixedTimeEquals(mac, Mac(body)))
        {
            return TokenRead.Invalid;
        }

        var parts = body.Split('.');
        if (parts[0] != Version)
        {
            return TokenRead.Outdated;
        }

        if (parts.Length != 8
            || !long.TryParse(parts[4], NumberStyles.None, CultureInfo.InvariantCulture, out var generation)
            || !long.TryParse(parts[6], NumberStyles.None, CultureInfo.InvariantCulture, out var expires))
        {
            return TokenRead.Invalid;
        }

        try
        {
            claims = new SessionClaims(Decode(parts[1]), Decode(parts[2]), Decode(parts[3]), generation, Decode(parts[5]),
                DateTimeOffset.FromUnixTimeSeconds(expires), parts[7]);
        }
        catch (Exception e) when (e is FormatException or ArgumentOutOfRangeException)
        {
            return TokenRead.Invalid;
        }

        return TokenRead.Valid;
    }

    private byte[] Mac(string body) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(body));

    private static string Encode(string value) => Base64Url(Encoding.UTF8.GetBytes(value));

    private static string Decode(string value) => Encoding.UTF8.GetString(Convert.FromBase64String(FromBase64Url(value)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string FromBase64Url(string value)
    {
        var s = value.Replace('-', '+').Replace('_', '/');
        return s.PadRight(s.Length + ((4 - (s.Length % 4)) % 4), '=');
    }
}

/// <summary>What a session token says.</summary>
/// <param name="SessionId">The connection it was issued to (tunnels name their session with it).</param>
/// <param name="LoginId">The password login it descends from, the same through every resume; logout revokes it.</param>
/// <param name="ExpiresAt">When resuming stops working (whole seconds), fixed at the password login.</param>
/// <param name="Stamp"><see cref="SessionTokens.StampOf"/> of the password hash at the password login.</param>
public sealed record SessionClaims(string SessionId, string SmartAGId, string UserName, long Generation, string LoginId, DateTimeOffset ExpiresAt, string Stamp);

/// <summary>The outcome of <see cref="SessionTokens.TryRead"/>.</summary>
public enum TokenRead
{
    Invalid,
    Outdated,
    Valid,
}
