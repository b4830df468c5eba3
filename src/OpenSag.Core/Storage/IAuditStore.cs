using OpenSag.Domain;

namespace OpenSag.Storage;

/// <summary>The audit log (DESIGN.md §7): append-only, listed newest first.</summary>
public interface IAuditStore
{
    /// <summary>Appends <paramref name="entry"/> (its Id is ignored) and returns it with the Id the store gave it.</summary>
    Task<AuditEntry> AppendAuditAsync(AuditEntry entry, CancellationToken cancellationToken);

    /// <summary>One page (1-based) of the entries <paramref name="query"/> selects, newest first (by Id), with their total.</summary>
    Task<Page<AuditEntry>> ListAuditAsync(AuditQuery query, int pageNumber, int pageSize, CancellationToken cancellationToken);
}
