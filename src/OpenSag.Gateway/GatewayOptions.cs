using System.Net;

namespace OpenSag.Gateway;

/// <summary>Gateway settings from <c>opensag serve</c>.</summary>
public sealed record GatewayOptions
{
    /// <summary>Where tunnels may go. Default: the private ranges, so a client never reaches the gateway host's own
    /// loopback services or the internet by accident.</summary>
    public IReadOnlyList<IPNetwork> TunnelAllow { get; init; } =
        [IPNetwork.Parse("10.0.0.0/8"), IPNetwork.Parse("172.16.0.0/12"), IPNetwork.Parse("192.168.0.0/16")];

    /// <summary>The control channel's keepalive interval I: <see cref="Sessions.ControlHeartbeat"/> pings a client silent for
    /// I/2 and drops one silent for twice I (at most). Whole seconds on the command line, 1 to 3600.</summary>
    public TimeSpan KeepaliveInterval { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Per-user bandwidth caps; off only for measuring the relay itself (bench).</summary>
    public bool Shaping { get; init; } = true;

    /// <summary>How often traffic counters are written to the store ("never more than a few seconds behind").</summary>
    public TimeSpan FlowFlushInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Failed logins allowed per user and per source address within <see cref="LoginFailureWindow"/>.</summary>
    public int LoginFailuresPerUser { get; init; } = 5;
    public int LoginFailuresPerAddress { get; init; } = 20;
    public TimeSpan LoginFailureWindow { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Password checks (PBKDF2, ~0.2 s of a core each) run at once; the rest queue. One core fewer than the
    /// machine has (at least one), so a login storm never takes the core that serves TLS and WebSocket I/O.</summary>
    public int PasswordCheckConcurrency { get; init; } = Math.Max(1, Environment.ProcessorCount - 1);
}
