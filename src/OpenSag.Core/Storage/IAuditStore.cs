using OpenSag.Domain;

namespace OpenSag.Storage;

/// <summary>The audit log (DESIGN.md §7): append-only, listed newest first, pruned by age.</summary>
public interface IAuditStore
{
    /// <summary>Appends <paramref name="entry"/> (its Id is ignored) and returns it with the Id the store gave it.</summary>
    Task<AuditEntry> AppendAuditAsync(AuditEntry entry, CancellationToken cancellationToken);

    /// <summary>One page (1-based) of the entries <paramref name="query"/> selects, newest first (by Id), with their total.</summary>
    Task<Page<AuditEntry>> ListAuditAsync(AuditQuery query, int pageNumber, int pageSize, CancellationToken cancellationToken);

    /// <summary>Deletes the entries whose <see cref="AuditEntry.Time"/> is before <paramref name="before"/>; returns how many.</summary>
    Task<int> PruneAuditAsync(DateTimeOffset before, CancellationToken cancellationToken);
}
