namespace OpenSag.Cluster.Postgres;

/// <summary>This node's name in the cluster and the timing of its heartbeat.</summary>
public sealed record ClusterOptions(string ConnectionString, string NodeId)
{
    /// <summary>How often the node proves it is alive and runs its sweep (stale generations, dead nodes).</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A node silent this long is dead: its sessions leave the online list and its leases are freed. Six missed
    /// heartbeats, so a database hiccup or a GC pause does not evict a live node.
    /// </summary>
    public TimeSpan NodeTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// A node whose last completed heartbeat began this long ago on its own clock closes its sessions and admits none
    /// until a heartbeat succeeds (<see cref="ClusterHeartbeat"/>): one interval before the others call it dead, so it
    /// has fenced itself by the time they do.
    /// </summary>
    public TimeSpan FenceAfter => NodeTimeout - HeartbeatInterval;

    /// <summary>
    /// How long a revoking node waits for the other nodes to close the user's stale sessions before it logs a warning
    /// naming the nodes that have not. It keeps waiting after that: it answers only when every node has closed them or
    /// has missed heartbeats for <see cref="NodeTimeout"/> (and so fenced itself), so a kick during a partition
    /// answers after up to <see cref="NodeTimeout"/>. A live node closes within milliseconds of the NOTIFY.
    /// </summary>
    public TimeSpan RevocationWarnAfter { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How often, at most, the revoking node reads the session table while it waits (it starts faster): about 20 small indexed queries a second per kick while it waits.</summary>
    public TimeSpan RevocationPollInterval { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>PostgreSQL NOTIFY channel of revocations.</summary>
    public const string RevocationChannel = "opensag_revocations";

    /// <summary>PostgreSQL NOTIFY channel of configuration changes (<see cref="ChangeMessage"/>), heard on the same connection as revocations.</summary>
    public const string ChangeChannel = "opensag_changes";
}
