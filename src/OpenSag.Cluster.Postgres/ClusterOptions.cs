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
    /// How long a revoking node waits for the other nodes to close the user's stale sessions before it answers anyway
    /// (and logs the nodes that did not). A live node closes within milliseconds of the NOTIFY; 5 s covers a busy one
    /// without holding an admin call for longer than its client would wait.
    /// </summary>
    public TimeSpan RevocationWait { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How often the revoking node reads the session table while it waits: 50 ms, at most 100 small indexed queries per kick.</summary>
    public TimeSpan RevocationPollInterval { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>PostgreSQL NOTIFY channel of revocations.</summary>
    public const string RevocationChannel = "opensag_revocations";
}
