namespace OpenSag.Sessions;

/// <summary>
/// A configuration change that live sessions must apply at once, named by kind and by the instances it touches
/// (DESIGN.md §5: NOTIFY carries it to the other nodes of a cluster; each node's periodic reconcile repairs a lost one).
/// </summary>
/// <param name="Kind">What changed, e.g. <see cref="AclKind"/>; a node ignores kinds it has no subscriber for.</param>
/// <param name="SmartAGIds">The instances whose sessions are affected.</param>
public sealed record ChangeNotice(string Kind, IReadOnlyList<string> SmartAGIds)
{
    /// <summary>The rules that apply to the instances' sessions changed (a rule written, an ACL associated or deleted).</summary>
    public const string AclKind = "acl";
}

/// <summary>Carries a notice to the other nodes (the PostgreSQL cluster); a single node has none.</summary>
public interface IChangeBroadcast
{
    /// <summary>Sends the notice to every other node; the caller has already delivered it locally.</summary>
    Task BroadcastAsync(ChangeNotice notice, CancellationToken cancellationToken);
}

/// <summary>
/// Where writers announce changes and the gateway subscribes to them. <see cref="PublishAsync"/> returns once this
/// node's subscribers have applied the change (so an API answer means "in force here") and the notice is on its way
/// to the other nodes.
/// </summary>
public sealed class ChangeFeed(IEnumerable<IChangeBroadcast> broadcasts)
{
    private readonly Lock _gate = new();
    private Func<ChangeNotice, CancellationToken, Task>[] _subscribers = [];

    /// <summary>Adds a subscriber, called for every notice this node publishes or receives; dispose to remove it.</summary>
    public IDisposable Subscribe(Func<ChangeNotice, CancellationToken, Task> subscriber)
    {
        lock (_gate)
        {
            _subscribers = [.. _subscribers, subscriber];
        }

        return new Subscription(this, subscriber);
    }

    /// <summary>Delivers the notice to this node's subscribers, then to every other node.</summary>
    public async Task PublishAsync(ChangeNotice notice, CancellationToken cancellationToken)
    {
        await DeliverAsync(notice, cancellationToken);
        foreach (var broadcast in broadcasts)
        {
            await broadcast.BroadcastAsync(notice, cancellationToken);
        }
    }

    /// <summary>Delivers a notice to this node's subscribers only: what a cluster listener calls for another node's notice.</summary>
    public async Task DeliverAsync(ChangeNotice notice, CancellationToken cancellationToken)
    {
        foreach (var subscriber in Volatile.Read(ref _subscribers))
        {
            await subscriber(notice, cancellationToken);
        }
    }

    private void Unsubscribe(Func<ChangeNotice, CancellationToken, Task> subscriber)
    {
        lock (_gate)
        {
            _subscribers = [.. _subscribers.Where(s => s != subscriber)];
        }
    }

    private sealed class Subscription(ChangeFeed feed, Func<ChangeNotice, CancellationToken, Task> subscriber) : IDisposable
    {
        public void Dispose() => feed.Unsubscribe(subscriber);
    }
}
