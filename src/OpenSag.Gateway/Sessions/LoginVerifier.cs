using OpenSag.Domain;
using OpenSag.Gateway.Protocol;
using OpenSag.Gateway.Security;
using OpenSag.Security;
using OpenSag.Storage;

namespace OpenSag.Gateway.Sessions;

/// <summary>
/// Decides whether a login may become a session. A wrong password, an unknown or disabled user and an unknown
/// instance all get the same refusal and cost the same (a decoy hash is checked when there is no user), so the
/// answer tells nothing about which accounts exist; rate limits (<see cref="LoginThrottle"/>) are keyed by the names
/// as given, so they answer the same for unknown users too.
/// <para>
/// A resume token costs one HMAC and never a password hash (a gateway restart, every client resuming at once, is not a
/// storm of PBKDF2), and is never subject to the password lockout: whoever holds a valid token already proved the
/// password. It is refused as <see cref="CloseReasons.KickedOut"/> when the administrator ended the user's sessions
/// since (generation bumped, user disabled or deleted), and as <see cref="CloseReasons.SessionExpired"/> when only the
/// credential ended: expired, logged out, issued before a password reset, or not readable here (another node's, an
/// older format). The client answers the latter with one password login. Password checks go through the fair <see cref="PasswordCheckGate"/>.
/// </para>
/// </summary>
public sealed class LoginVerifier(IOpenSagStore store, SessionTokens tokens, LoginThrottle throttle, PasswordCheckGate passwords,
    GatewayOptions options, TimeProvider time)
{
    /// <summary>How long a client refused for a full queue (<see cref="PasswordCheck.SourceBusy"/>) should wait: about
    /// the time its source's queued checks take, <see cref="GatewayOptions.PasswordChecksPerSource"/> × 0.25 s.</summary>
    private static readonly TimeSpan BusyRetryAfter = TimeSpan.FromSeconds(5);

    public async Task<LoginDecision> VerifyAsync(LoginRequest login, string sourceAddress, CancellationToken cancellationToken)
    {
        if (login.ResumeToken is { Length: > 0 } token)
        {
            return await ResumeAsync(login, token, cancellationToken);
        }

        var userKey = login.SmartAGId + "/" + login.UserName;
        if (throttle.RetryAfter(userKey, sourceAddress) is { } wait)
        {
            return LoginDecision.Refused(CloseReasons.RateLimited) with { RetryAfter = wait };
        }

        var instance = await store.FindInstanceByIdAsync(login.SmartAGId, cancellationToken);
        var user = instance is null ? null : await store.FindUserAsync(instance.SmartAGId, login.UserName, cancellationToken);
        var check = await passwords.VerifyAsync(login.Password ?? "", user?.PasswordHash ?? PasswordHash.Decoy,
            LoginThrottle.SourceOf(sourceAddress), throttle.PriorityOf(sourceAddress), cancellationToken);
        if (check == PasswordCheck.SourceBusy)
        {
            return LoginDecision.Refused(CloseReasons.RateLimited) with { RetryAfter = BusyRetryAfter };
        }

        if (check != PasswordCheck.Match || user is null || user.State != UserState.Enabled)
        {
            throttle.RecordFailure(userKey, sourceAddress);
            return LoginDecision.Refused(CloseReasons.LoginRefused);
        }

        return new LoginDecision(instance, user, null)
        {
            LoginId = Guid.NewGuid().ToString("N"),
            ExpiresAt = time.GetUtcNow() + options.SessionTokenLifetime,
        };
    }

    private async Task<LoginDecision> ResumeAsync(LoginRequest login, string token, CancellationToken cancellationToken)
    {
        // Not counted as a password failure: a client resuming after a kick is expected, not an attack.
        // A token this gateway cannot read (another node's key: README "Running several nodes"; an older format; garbage)
        // says nothing about the user, so it cannot mean "kicked": the client is sent to its password, which is checked.
        if (tokens.TryRead(token, out var claims) != TokenRead.Valid)
        {
            return LoginDecision.Refused(CloseReasons.SessionExpired);
        }

        var instance = await store.FindInstanceByIdAsync(login.SmartAGId, cancellationToken);
        var user = instance is null ? null : await store.FindUserAsync(instance.SmartAGId, login.UserName, cancellationToken);
        var current = user is not null && user.State == UserState.Enabled
            && claims.SmartAGId == user.SmartAGId && claims.UserName == user.UserName
            && claims.Generation == user.SessionGeneration;
        if (!current)
        {
            return LoginDecision.Refused(CloseReasons.KickedOut);
        }

        if (claims.ExpiresAt <= time.GetUtcNow() || tokens.Revocations.IsRevoked(claims.LoginId) || claims.Stamp != tokens.StampOf(user!.PasswordHash))
        {
            return LoginDecision.Refused(CloseReasons.SessionExpired);
        }

        return new LoginDecision(instance, user, null) { LoginId = claims.LoginId, ExpiresAt = claims.ExpiresAt };
    }
}
