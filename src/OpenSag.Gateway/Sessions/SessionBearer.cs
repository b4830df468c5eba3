using System.Security.Cryptography;
using System.Text;
using OpenSag.Gateway.Security;
using OpenSag.Sessions;

namespace OpenSag.Gateway.Sessions;

/// <summary>
/// The one check of <c>Authorization: Bearer &lt;token&gt;</c> on the requests a session opens besides its control
/// channel (tunnels, the packets' TLS fallback): the token must be one we issued and the live session's own.
/// </summary>
public sealed class SessionBearer(SessionRegistry sessions, SessionTokens tokens)
{
    /// <summary>The online session the header names, or null (no bearer token, not ours, or not that session's now).</summary>
    public GatewaySession? Authenticate(string authorization)
    {
        const string prefix = "Bearer ";
        if (!authorization.StartsWith(prefix, StringComparison.Ordinal) || tokens.TryRead(authorization[prefix.Length..], out var claims) != TokenRead.Valid)
        {
            return null;
        }

        // The MAC proves we issued the token; equality with the live session's own token proves it is this
        // session's, not one from before a restart or a kick that happens to name the same id.
        var session = sessions.Find(claims.SessionId) as GatewaySession;
        return session is not null && session.IsOnline
            && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(session.Token), Encoding.UTF8.GetBytes(authorization[prefix.Length..]))
            ? session
            : null;
    }
}
