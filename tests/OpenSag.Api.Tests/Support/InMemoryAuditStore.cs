using OpenSag.Domain;
using OpenSag.Storage;

namespace OpenSag.Api.Tests.Support;

/// <summary>
/// The audit part of storage, in memory, with the contract of <see cref="IAuditStore"/> (which the store kit checks on
/// both engines); <see cref="Failure"/> makes every call throw, as an unreachable database would.
/// </summary>
public sealed class InMemoryAuditStore : IAuditStore
{
    private readonly Lock _gate = new();
    private readonly List<AuditEntry> _entries = [];

    /// <summary>When set, every call throws it.</summary>
    public Exception? Failure { get; set; }

    public IReadOnlyList<AuditEntry> Entries
    {
        get
        {
            lock (_gate)
            {
                return [.. _entries];
            }
        }
    }

    public Task<AuditEntry> AppendAuditAsync(AuditEntry entry, CancellationToken cancellationToken)
    {
        ThrowIfFailing();
        lock (_gate)
        {
            var stored = entry with { Id = _entries.Count + 1 };
            _entries.Add(stored);
            return Task.FromResult(stored);
        }
    }

    public Task<Page<AuditEntry>> ListAuditAsync(AuditQuery query, int pageNumber, int pageSize, CancellationToken cancellationToken)
    {
        ThrowIfFailing();
        lock (_gate)
        {
            var selected = _entries.Where(e => (query.AccessKeyId ?? e.AccessKeyId) == e.AccessKeyId && (query.Action ?? e.Action) == e.Action
                && (query.SmartAGId ?? e.SmartAGId) == e.SmartAGId && (query.Target ?? e.Target) == e.Target
                && e.Time >= (query.Since ?? DateTimeOffset.MinValue) && e.Time < (query.Until ?? DateTimeOffset.MaxValue))
                .OrderByDescending(e => e.Id).ToList();
            return Task.FromResult(new Page<AuditEntry>([.. selected.Skip((pageNumber - 1) * pageSize).Take(pageSize)], selected.Count, pageNumber, pageSize));
        }
    }

    public Task<int> PruneAuditAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        ThrowIfFailing();
        lock (_gate)
        {
            return Task.FromResult(_entries.RemoveAll(e => e.Time < before));
        }
    }

    private void ThrowIfFailing()
    {
        if (Failure is { } failure)
        {
            throw failure;
        }
    }
}
