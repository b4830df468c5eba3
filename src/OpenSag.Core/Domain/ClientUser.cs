namespace OpenSag.Domain;

/// <summary>A client account of one instance. The password is kept only as a <see cref="Security.PasswordHash"/> string.</summary>
public sealed record ClientUser
{
    public required string SmartAGId { get; init; }
    public required string UserName { get; init; }
    public required string UserMail { get; init; }
    /// <summary>Kbit/s for all of the user's sessions together, 1–20000.</summary>
    public required int Bandwidth { get; init; }
    /// <summary>A fixed address inside the instance CIDR, or empty when one is allocated per connection.</summary>
    public string ClientIp { get; init; } = "";
    public required string PasswordHash { get; init; }
    public UserState State { get; init; } = UserState.Enabled;
    public long AccelerateBandwidth { get; init; }
    /// <summary>
    /// Bumped by every kick, disable and delete. A session credential carries the generation it was issued
    /// under, so anything issued before the bump can no longer resume (DESIGN.md §3).
    /// </summary>
    public long SessionGeneration { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }

    public bool IsStaticIp => ClientIp.Length > 0;
}

/// <summary>Wire values of Users.User[].State.</summary>
public enum UserState
{
    Enabled = 0,
    Disabled = 1,
}
