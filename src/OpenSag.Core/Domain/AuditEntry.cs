namespace OpenSag.Domain;

/// <summary>
/// One change made through the API or the console, as the audit log keeps it (DESIGN.md §7): who (the access key and
/// the peer address), how (<c>api</c> or <c>console</c>), what (the action's wire name, e.g. <c>KickOutClients</c>, and
/// its target), when, and how it ended (<c>Success</c> or the error code).
/// </summary>
/// <param name="Id">Assigned by the store, increasing; ignored on append.</param>
/// <param name="Time">When the action ended, UTC.</param>
/// <param name="Target">What it acted on beyond the instance: a user name, a session id, an ACL id; empty when none.</param>
/// <param name="Detail">A short outcome for people, e.g. "sessions closed: 2"; empty when none.</param>
public sealed record AuditEntry(
    long Id,
    DateTimeOffset Time,
    string AccessKeyId,
    string SourceAddress,
    string Channel,
    string Action,
    string RegionId,
    string SmartAGId,
    string Target,
    string Outcome,
    string Detail)
{
    /// <summary>The <see cref="Outcome"/> of an action that succeeded.</summary>
    public const string Success = "Success";
}

/// <summary>Filters of an audit-log listing; null matches everything. <see cref="Since"/> is inclusive, <see cref="Until"/> exclusive.</summary>
public sealed record AuditQuery
{
    public string? AccessKeyId { get; init; }

    public string? Action { get; init; }

    public string? SmartAGId { get; init; }

    public string? Target { get; init; }

    public DateTimeOffset? Since { get; init; }

    public DateTimeOffset? Until { get; init; }
}
