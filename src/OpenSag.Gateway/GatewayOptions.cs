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

    /// <summary>The slice of each instance's block this node leases dynamic ClientIps from (<c>--client-ip-slice K/N</c>).</summary>
    public Domain.ClientIpSlice ClientIpSlice { get; init; } = Domain.ClientIpSlice.Whole;

    /// <summary>Per-user bandwidth caps; off only for measuring the relay itself (bench).</summary>
    public bool Shaping { get; init; } = true;

    /// <summary>How often traffic counters are written to the store ("never more than a few seconds behind").</summary>
    public TimeSpan FlowFlushInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Failed password logins of one user from one source within <see cref="LoginFailureWindow"/> before that
    /// pair is rate-limited (<see cref="Sessions.LoginThrottle"/>).</summary>
    public int LoginFailuresPerPair { get; init; } = 5;

    /// <summary>Failed password logins of one user within <see cref="LoginFailureWindow"/>, from at least
    /// <see cref="LoginLockoutSources"/> sources, before the user is rate-limited from everywhere. With 5 per pair, 10
    /// failures need at least two sources anyway; the third is what keeps one attacker with two addresses out.</summary>
    public int LoginFailuresPerUser { get; init; } = 10;

    /// <summary>Distinct sources a per-user lockout needs: one source alone never locks a user out.</summary>
    public int LoginLockoutSources { get; init; } = 3;

    public TimeSpan LoginFailureWindow { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Password checks one source may have waiting or running at once; more are refused as rate-limited. 16
    /// lets an office behind one NAT address log in together, and costs a client of another source at most one turn
    /// per source (the gate takes sources in turn), not 16.</summary>
    public int PasswordChecksPerSource { get; init; } = 16;

    /// <summary>How long a session token can resume, counted from the password login (resumes carry it unchanged).
    /// After that the client logs in with its password once more. A live session is not cut at expiry.</summary>
    public TimeSpan SessionTokenLifetime { get; init; } = TimeSpan.FromHours(24);

    /// <summary>Password checks (PBKDF2, ~0.2 s of a core each) run at once; the rest queue. One core fewer than the
    /// machine has (at least one), so a login storm never takes the core that serves TLS and WebSocket I/O.</summary>
    public int PasswordCheckConcurrency { get; init; } = Math.Max(1, Environment.ProcessorCount - 1);

    /// <summary>The layer-3 data path (<c>serve --tun</c>, DESIGN.md §4.1); null runs the gateway with streams only.</summary>
    public Packets.Layer3Options? Layer3 { get; init; }
}
