using OpenSag.Domain;

namespace OpenSag.Gateway.Sessions;

/// <summary>
/// The outcome of checking a login: the admitted user and instance with the login its token will carry
/// (<see cref="LoginId"/>, <see cref="ExpiresAt"/>: new for a password login, inherited by a resume), or a refusal
/// with its wire reason and, when rate-limited, how long to wait.
/// </summary>
public sealed record LoginDecision(Instance? Instance, ClientUser? User, string? RefusalReason)
{
    public string LoginId { get; init; } = "";

    public DateTimeOffset ExpiresAt { get; init; }

    /// <summary>For <see cref="Protocol.CloseReasons.RateLimited"/>: when to try again.</summary>
    public TimeSpan? RetryAfter { get; init; }

    public static LoginDecision Refused(string reason) => new(null, null, reason);

    public bool Admitted => User is not null;
}
