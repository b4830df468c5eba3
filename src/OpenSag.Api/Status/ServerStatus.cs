namespace OpenSag.Api.Status;

/// <summary>
/// What the running server says about itself (DescribeServerStatus, <c>opensag status</c>, the console): facts the host
/// knows when it composes the server, registered by it as a singleton, plus the listeners, which it adds once they are
/// bound (with the real port when 0 was asked for).
/// </summary>
/// <param name="version">The product version (the executable's informational version).</param>
/// <param name="node">This node's id (<see cref="Sessions.LocalNode"/>).</param>
/// <param name="store">Where the records are, without credentials: <c>sqlite /path/opensag.db</c> or <c>postgres host:port/db</c>.</param>
/// <param name="time">The server's clock: the start time is its reading at construction, the uptime is measured by it.</param>
/// <remarks>A class, not a record: it holds the listener list, which a <c>with</c> copy would share.</remarks>
public sealed class ServerStatus(string version, string node, string store, TimeProvider time)
{
    /// <summary>The API listener (the Smartag API and OpenSAG's own actions).</summary>
    public const string ApiListener = "api";

    /// <summary>The gateway's TLS listener (control channel and tunnels).</summary>
    public const string GatewayListener = "gateway";

    /// <summary>The layer-3 data channel's UDP socket (<c>serve --tun</c>).</summary>
    public const string UdpListener = "udp";

    /// <summary>The web console.</summary>
    public const string ConsoleListener = "console";

    /// <summary>The Prometheus endpoint on a listener of its own.</summary>
    public const string MetricsListener = "metrics";

    private readonly Lock _gate = new();
    private readonly List<ServerListener> _listeners = [];

    public string Version { get; } = version;

    public string Node { get; } = node;

    /// <summary>When the server started, UTC.</summary>
    public DateTimeOffset StartTime { get; } = time.GetUtcNow();

    public string Store { get; } = store;

    /// <summary>The listeners added so far, in the order they were added.</summary>
    public IReadOnlyList<ServerListener> Listeners
    {
        get
        {
            lock (_gate)
            {
                return [.. _listeners];
            }
        }
    }

    /// <summary>Adds a bound listener.</summary>
    /// <param name="name">One of the <c>…Listener</c> names above.</param>
    /// <param name="address">Where it listens, as clients reach it: <c>http://127.0.0.1:8080</c>, <c>127.0.0.1:8443</c>, <c>udp 0.0.0.0:51820</c>…</param>
    public void AddListener(string name, string address)
    {
        lock (_gate)
        {
            _listeners.Add(new ServerListener(name, address));
        }
    }

    /// <summary>Whole seconds since <see cref="StartTime"/>, never negative.</summary>
    public long UptimeSeconds => Math.Max(0, (long)(time.GetUtcNow() - StartTime).TotalSeconds);
}

/// <summary>One listener of the server: its name (<c>api</c>, <c>gateway</c>, <c>console</c>, <c>metrics</c>, <c>udp</c>) and address.</summary>
public sealed record ServerListener(string Name, string Address);
