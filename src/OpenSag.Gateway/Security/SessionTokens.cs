using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace OpenSag.Gateway.Security;

/// <summary>
/// Session credentials: <c>sessionId.smartAgId.userName.generation.mac</c>, base64url parts, MAC = HMAC-SHA256 with
/// the gateway's key (kept in the data folder, so tokens survive a restart and a client can resume after one).
/// A token is only as good as its generation: a kick bumps the user's generation, and every resume compares.
/// </summary>
public sealed class SessionTokens(byte[] key)
{
    public static SessionTokens LoadOrCreate(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, "gateway-token.key");
        if (File.Exists(path))
        {
            var existing = File.ReadAllBytes(path);
            if (existing.Length == 32)
            {
                return new SessionTokens(existing);
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

        return new SessionTokens(key);
    }

    public string Issue(SessionClaims claims)
    {
        var body = string.Join('.', Encode(claims.SessionId), Encode(claims.SmartAGId), Encode(claims.UserName),
            claims.Generation.ToString(CultureInfo.InvariantCulture));
        return body + "." + Base64Url(Mac(body));
    }

    public bool TryRead(string token, out SessionClaims claims)
    {
        claims = null!;
        var lastDot = token.LastIndexOf('.');
        if (lastDot <= 0)
        {
            return false;
        }

        var body = token[..lastDot];
        byte[] mac;
        try
        {
            mac = Convert.FromBase64String(FromBase64Url(token[(lastDot + 1)..]));
        }
        catch (FormatException)
        {
            return false;
        }

        if (!CryptographicOperations.FixedTimeEquals(mac, Mac(body)))
        {
            return false;
        }

        var parts = body.Split('.');
        if (parts.Length != 4 || !long.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var generation))
        {
            return false;
        }

        claims = new SessionClaims(Decode(parts[0]), Decode(parts[1]), Decode(parts[2]), generation);
        return true;
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

public sealed record SessionClaims(string SessionId, string SmartAGId, string UserName, long Generation);
