using OpenSag.Domain;
using OpenSag.Gateway.Protocol;
using OpenSag.Gateway.Security;
using OpenSag.Security;
using OpenSag.Storage;

namespace OpenSag.Gateway.Sessions;

/// <summary>
/// Decides whether a login may become a session. A wrong password, an unknown or disabled user and an unknown
/// instance all get the same refusal and cost the same (a decoy hash is checked when there is no user), so the
/// answer tells nothing about which accounts exist. A resume token is accepted only while the user's session
/// generation is still the one it was issued under: after a kick it is dead. A resume costs one HMAC and never a
/// password hash, so a gateway restart (every client resuming at once) is not a storm of PBKDF2; password checks go
/// through the bounded <see cref="PasswordCheckGate"/>.
/// </summary>
public sealed class LoginVerifier(IOpenSagStore store, SessionTokens tokens, LoginThrottle throttle, PasswordCheckGate passwords)
{
    public async Task<LoginDecision> VerifyAsync(LoginRequest login, string sourceAddress, CancellationToken cancellationToken)
    {
        var userKey = login.SmartAGId + "/" + login.UserName;
        if (throttle.IsBlocked(userKey, sourceAddress))
        {
            return LoginDecision.Refused(CloseReasons.LoginRefused);
        }

        var instance = await store.FindInstanceByIdAsync(login.SmartAGId, cancellationToken);
        var user = instance is null ? null : await store.FindUserAsync(instance.SmartAGId, login.UserName, cancellationToken);

        if (login.ResumeToken is { Length: > 0 } token)
        {
            var valid = tokens.TryRead(token, out var claims)
                && user is not null && user.State == UserState.Enabled
                && claims.SmartAGId == user.SmartAGId && claims.UserName == user.UserName
                && claims.Generation == user.SessionGeneration;
            if (!valid)
            {
                // Not counted as a password failure: a client resuming after a kick is expected, not an attack.
                return LoginDecision.Refused(CloseReasons.KickedOut);
            }

            return new LoginDecision(instance, user, null);
        }

        var passwordOk = await passwords.VerifyAsync(login.Password ?? "", user?.PasswordHash ?? PasswordHash.Decoy, cancellationToken);
        if (!passwordOk || user is null || user.State != UserState.Enabled)
        {
            throttle.RecordFailure(userKey, sourceAddress);
            return LoginDecision.Refused(CloseReasons.LoginRefused);
        }

        return new LoginDecision(instance, user, null);
    }
}
