using Microsoft.Extensions.Logging;
using OpenSag.Domain;
using OpenSag.Storage;

namespace OpenSag.Services;

/// <summary>
/// The audit log (DESIGN.md §7): who changed what, when, from where, through which channel, and how it ended. The
/// API's and the console's changing actions are recorded by <c>ActionInvoker</c>; events that are not catalogue
/// actions (the console's sign-in and sign-out) by their code through <see cref="RecordAsync"/>.
/// </summary>
/// <remarks>
/// Retention: entries older than <see cref="Retention"/> are deleted by the first record after start and then by
/// the first record after each further <see cref="PruneInterval"/>, so the table stays bounded by a year of changes
/// without a timer of its own (it grows only when something is recorded).
/// </remarks>
public sealed class AuditLog(IAuditStore store, TimeProvider time, ILogger<AuditLog> logger)
{
    /// <summary>How long an entry is kept: a year, so a yearly review still finds every change.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromDays(365);

    /// <summary>How often the entries past <see cref="Retention"/> are deleted.</summary>
    public static readonly TimeSpan PruneInterval = TimeSpan.FromDays(1);

    private long _nextPruneTicks = long.MinValue;

    /// <summary>
    /// Appends one entry, timed now. Never throws for a store failure (or anything else going wrong while recording):
    /// what it records has already happened (a committed change, a sign-in), and failing the answer would tell the
    /// caller a change failed that did not. The failure is logged as a warning, naming the action and target, and the
    /// entry is lost. Pruning failures are handled the same way and retried at the next record.
    /// </summary>
    /// <param name="outcome"><see cref="AuditEntry.Success"/> or the error code the action was refused with.</param>
    /// <param name="cancellationToken">Only for the caller's own shutdown; a request that went away should pass none.</param>
    public async Task RecordAsync(Caller caller, string action, string regionId, string smartAgId, string target, string outcome, string detail,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var now = time.GetUtcNow();
        var entry = new AuditEntry(0, now, caller.AccessKeyId, caller.SourceAddress, caller.Channel, action, regionId, smartAgId, target, outcome, detail);
        await PruneIfDueAsync(now, cancellationToken);
        try
        {
            await store.AppendAuditAsync(entry, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(e, "Audit entry lost: {Action} by {AccessKeyId} from {Source} on {SmartAGId} target {Target}, outcome {Outcome}",
                action, caller.AccessKeyId, caller.SourceAddress, smartAgId, target, outcome);
        }
    }

    /// <summary>One page (1-based) of the entries <paramref name="query"/> selects, newest first, with their total.</summary>
    public Task<Page<AuditEntry>> ListAsync(AuditQuery query, int pageNumber, int pageSize, CancellationToken cancellationToken) =>
        store.ListAuditAsync(query, pageNumber, pageSize, cancellationToken);

    private async Task PruneIfDueAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var due = Interlocked.Read(ref _nextPruneTicks);
        // One of several concurrent records prunes; the others go on appending.
        if (now.UtcTicks < due || Interlocked.CompareExchange(ref _nextPruneTicks, (now + PruneInterval).UtcTicks, due) != due)
        {
            return;
        }

        try
        {
            var pruned = await store.PruneAuditAsync(now - Retention, cancellationToken);
            if (pruned > 0)
            {
                logger.LogInformation("Audit log: {Count} entries older than {Days} days deleted", pruned, (int)Retention.TotalDays);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Interlocked.Exchange(ref _nextPruneTicks, due);
            logger.LogWarning(e, "Audit log: deleting entries older than {Days} days failed; retried at the next record", (int)Retention.TotalDays);
        }
    }
}
