using OpenSag.Domain;

namespace OpenSag.Gateway.Sessions;

/// <summary>The outcome of checking a login: the admitted user and instance, or a refusal.</summary>
public sealed record LoginDecision(Instance? Instance, ClientUser? User, string? RefusalReason)
{
    public static LoginDecision Refused(string reason) => new(null, null, reason);

    public bool Admitted => User is not null;
}
