using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenSag.AccessControl;
using OpenSag.Errors;
using OpenSag.Sessions;
using OpenSag.Storage;

namespace OpenSag.Gateway.AccessControl;

/// <summary>
/// The ACL of every instance with a session on this gateway (DESIGN.md §6), kept current three ways: loaded when an
/// instance's first session is published (<see cref="ISessionObserver"/>, before the client hears it is online, so no
/// stream or packet of it is judged by rules not yet loaded), reloaded on every <see cref="ChangeNotice.AclKind"/>
/// notice before the notice's publisher goes on (so an API answer means "in force here", unless the store could not
/// be read just then), and reconciled every <see cref="ReconcileInterval"/> for a notice lost on the way from another
/// node or a reload that failed. Each reload swaps the compiled rules in at once and aborts the live streams they now
/// forbid. A slot goes with its instance's last session.
/// </summary>
public sealed class InstanceAcls(IAclStore store, ChangeFeed changes, TimeProvider time, ILogger<InstanceAcls> logger)
    : BackgroundService, ISessionObserver
{
    /// <summary>How long a lost change notice can leave a node on old rules (acl12: every 10 s, as the sweep).</summary>
    public static readonly TimeSpan ReconcileInterval = TimeSpan.FromSeconds(10);

    private readonly Lock _gate = new();
    private readonly Dictionary<string, InstanceAclSlot> _slots = new(StringComparer.Ordinal);
    private IDisposable? _subscription;
    private PeriodicTimer? _reconcile;

    /// <summary>The instance's slot while it has a session on this gateway; null otherwise.</summary>
    public InstanceAclSlot? Find(string smartAgId)
    {
        lock (_gate)
        {
            return _slots.GetValueOrDefault(smartAgId);
        }
    }

    /// <summary>Instances with a slot now.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _slots.Count;
            }
        }
    }

    /// <summary>
    /// Takes the session into its instance's slot and, if the slot has never loaded, loads it before the session is
    /// published. A store failure propagates: the login is refused (the client retries), rather than admitting a
    /// session whose ACL is unknown.
    /// </summary>
    public async ValueTask SessionOpenedAsync(OnlineSessionInfo session, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        InstanceAclSlot slot;
        lock (_gate)
        {
            if (!_slots.TryGetValue(session.SmartAGId, out slot!))
            {
                _slots[session.SmartAGId] = slot = new InstanceAclSlot(session.SmartAGId);
            }

            slot.Sessions.Add(session.SessionId);
        }

        if (!slot.IsLoaded)
        {
            await ReloadAsync(slot, cancellationToken);
        }
    }

    /// <summary>
    /// Lets go of the session; the slot goes with the instance's last one. By session id, not a count: the registry
    /// also tells every observer "closed" for a publication another observer failed before this one heard of it.
    /// </summary>
    public void SessionClosed(OnlineSessionInfo session)
    {
        ArgumentNullException.ThrowIfNull(session);
        lock (_gate)
        {
            if (_slots.TryGetValue(session.SmartAGId, out var slot) && slot.Sessions.Remove(session.SessionId) && slot.Sessions.Count == 0)
            {
                _slots.Remove(session.SmartAGId);
            }
        }
    }

    /// <summary>
    /// Reloads the named instances that have a session here; the others have nothing to apply. An instance whose rules
    /// cannot be read (the store is unreachable) keeps its rules until the reconcile, and the others are still
    /// reloaded: the write has committed, so failing here would only fail the API call that made it (a retry of a
    /// non-idempotent action) and skip its broadcast to the other nodes.
    /// </summary>
    public async Task ApplyChangeAsync(ChangeNotice notice, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notice);
        if (notice.Kind != ChangeNotice.AclKind)
        {
            return;
        }

        foreach (var smartAgId in notice.SmartAGIds.Distinct(StringComparer.Ordinal))
        {
            if (Find(smartAgId) is { } slot)
            {
                await TryReloadAsync(slot, cancellationToken);
            }
        }
    }

    /// <summary>Reloads every slot: the periodic repair of a lost notice. One instance's failure does not stop the others.</summary>
    public async Task ReconcileAsync(CancellationToken cancellationToken)
    {
        InstanceAclSlot[] slots;
        lock (_gate)
        {
            slots = [.. _slots.Values];
        }

        foreach (var slot in slots)
        {
            await TryReloadAsync(slot, cancellationToken);
        }
    }

    /// <inheritdoc/>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // Before the host listens: a write answered after start has its notice applied here. The timer too, as the
        // reconcile's clock starts now (ExecuteAsync runs on a thread of its own, whenever that starts).
        _subscription = changes.Subscribe(ApplyChangeAsync);
        _reconcile = new PeriodicTimer(ReconcileInterval, time);
        return base.StartAsync(cancellationToken);
    }

    /// <inheritdoc/>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();
        await base.StopAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = _reconcile ?? throw new InvalidOperationException("started without StartAsync");
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await ReconcileAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Reloads the slot; when the store is out of reach, logs it and leaves the rules in force to the next reconcile.</summary>
    private async Task TryReloadAsync(InstanceAclSlot slot, CancellationToken cancellationToken)
    {
        try
        {
            await ReloadAsync(slot, cancellationToken);
        }
        catch (Exception e) when (StoreUnavailable.IsCause(e))
        {
            logger.LogWarning("Could not reload the ACL of {SmartAGId}; its sessions keep the rules they have, trying again in {Seconds} s: {Message}",
                slot.SmartAGId, ReconcileInterval.TotalSeconds, e.Message);
        }
    }

    private async Task ReloadAsync(InstanceAclSlot slot, CancellationToken cancellationToken)
    {
        // The ticket is taken before the read: see InstanceAclSlot.Apply for why the newest ticket wins.
        var ticket = slot.NextTicket();
        var rules = await store.GetInstanceRulesAsync(slot.SmartAGId, cancellationToken);
        var compiled = AclRuleSet.Compile(rules, out var skipped);
        var forbidden = slot.Apply(compiled, ticket);
        if (forbidden is null)
        {
            return;
        }

        LogSkipped(slot, skipped);
        foreach (var (stream, acrId) in forbidden)
        {
            logger.LogInformation("Session {SessionId}: tunnel to {Destination} closed: the instance's ACL now refuses it (rule {AcrId})",
                stream.SessionId, stream.Endpoint, acrId);
        }

        // Together: each waits at most for its own close frame (WatchedTunnel.EndAsync), so the answer waits for one.
        await Task.WhenAll(forbidden.Select(f => f.Stream.EndAsync(RefusalReason(f.Stream, f.AcrId))));
    }

    /// <summary>
    /// What the client prints after "tunnel to HOST:PORT closed: ", worded as the refusal of a new stream
    /// (TunnelEndpoint). It fits a close frame's 123 bytes: all ASCII, at most 47 for the endpoint (an unscoped
    /// [IPv6]:65535, WatchedTunnel), 45 for the words and 22 for an AcrId (acr- and 18 characters, ResourceIds).
    /// </summary>
    internal static string RefusalReason(WatchedTunnel stream, string? acrId) =>
        $"{stream.Endpoint} is now refused by the instance's ACL (rule {acrId})";

    private void LogSkipped(InstanceAclSlot slot, IReadOnlyList<(Domain.AclRule Rule, string Reason)> skipped)
    {
        var now = new HashSet<string>(skipped.Select(s => s.Rule.AcrId), StringComparer.Ordinal);
        foreach (var (rule, reason) in skipped.Where(s => !slot.LoggedSkips.Contains(s.Rule.AcrId)))
        {
            logger.LogError("Rule {AcrId} of ACL {AclId} (instance {SmartAGId}) is not enforced: {Reason}", rule.AcrId, rule.AclId, slot.SmartAGId, reason);
        }

        slot.LoggedSkips = now;
    }

    public override void Dispose()
    {
        _subscription?.Dispose();
        base.Dispose();
    }
}
