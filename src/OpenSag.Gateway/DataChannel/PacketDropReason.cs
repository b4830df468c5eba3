namespace OpenSag.Gateway.DataChannel;

/// <summary>Why the layer-3 path dropped a packet or datagram; each is counted (<see cref="DropCounters"/>), none throws.</summary>
public enum PacketDropReason
{
    /// <summary>A datagram too short, of another type or with reserved bytes set, or an IP header that does not parse.</summary>
    Malformed,

    /// <summary>A well-formed datagram whose receiver index names no session (a closed one's, or a stranger's).</summary>
    UnknownIndex,

    /// <summary>The AEAD tag did not verify: wrong key, or altered on the way.</summary>
    Forged,

    /// <summary>A counter already seen or older than the replay window (<see cref="ReplayWindow"/>).</summary>
    Replayed,

    /// <summary>A client's packet whose source is not the session's ClientIp.</summary>
    Spoofed,

    /// <summary>A destination (from a client) or source (towards it) that --tunnel-allow does not allow.</summary>
    Denied,

    /// <summary>The user's Bandwidth policer had no tokens left.</summary>
    Policed,

    /// <summary>A packet from the TUN whose destination is no online session's ClientIp.</summary>
    NoSession,

    /// <summary>Not IPv4 (the data channel carries IPv4 only; e.g. an IPv6 packet the kernel sent into the TUN).</summary>
    NotIpv4,

    /// <summary>Not opened: the session's datagrams failed their tag too often this second (<c>Packets.ForgeryBudget</c>).</summary>
    Throttled,

    /// <summary>A rule of the ACL associated with the session's instance drops it (DESIGN.md §6).</summary>
    Acl,
}
