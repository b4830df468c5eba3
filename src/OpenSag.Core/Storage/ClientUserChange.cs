using OpenSag.Domain;

namespace OpenSag.Storage;

/// <summary>
/// What one admin write changes on one client user: each field that is set is written as given, the others are left
/// as the stored row has them, in one statement on that row. Overlapping writes of different fields therefore all
/// stick; a copy of the whole record written back would undo whatever committed after it was read (a reset password
/// re-enabling a user disabled meanwhile, issue 9 item 4).
/// </summary>
/// <remarks>
/// The static ClientIp is not here: no action changes it after creation (a move carries
/// the stored ones, see <see cref="IClientUserStore.TryMoveUserAsync"/>). The session generation is never set, only
/// incremented in place (<see cref="BumpGeneration"/>).
/// </remarks>
public sealed record ClientUserChange(string SmartAGId, string UserName)
{
    public string? UserMail { get; init; }

    /// <summary>Kbit/s, 1–20000.</summary>
    public int? Bandwidth { get; init; }

    /// <summary>A <see cref="Security.PasswordHash"/> string, never the password.</summary>
    public string? PasswordHash { get; init; }

    public UserState? State { get; init; }

    /// <summary>Kbit/s of application acceleration (UpdateSmartAGUserAccelerateConfig); recorded and answered, not shaped.</summary>
    public long? AccelerateBandwidth { get; init; }

    /// <summary>Increments the session generation in the same statement, so no credential issued before can resume.</summary>
    public bool BumpGeneration { get; init; }
}
