using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using OpenSag.AccessControl;
using OpenSag.Domain;

namespace OpenSag.Gateway.AccessControl;

/// <summary>
/// What one instance's ACL means on this gateway now (DESIGN.md §6): the compiled rules its sessions' packets and
/// streams are judged by, and the live streams of its sessions, so a change can end those it now forbids. The rules
/// are swapped whole (<see cref="Apply"/>); packet threads read them with one volatile read and no lock.
/// </summary>
public sealed class InstanceAclSlot
{
    private readonly Lock _gate = new();
    private readonly HashSet<WatchedTunnel> _streams = [];
    private AclRuleSet _rules = AclRuleSet.Empty;
    private long _requested;
    private long _applied;

    /// <summary>A slot for the instance; <see cref="InstanceAcls"/> makes them.</summary>
    internal InstanceAclSlot(string smartAgId) => SmartAGId = smartAgId;

    /// <summary>
    /// No ACL, never changed: what a layer-3 peer holds until its session is published (its client has no keys before
    /// then, so nothing of it can pass anyway), and in unit tests of the packet path.
    /// </summary>
    public static InstanceAclSlot None { get; } = new("");

    /// <summary>The instance whose ACL this is.</summary>
    public string SmartAGId { get; }

    /// <summary>The rules in force now (<see cref="AclRuleSet.Empty"/> until loaded, or when no ACL is associated).</summary>
    public AclRuleSet Rules => Volatile.Read(ref _rules);

    /// <summary>Whether rules have been loaded from the store at least once.</summary>
    internal bool IsLoaded => Interlocked.Read(ref _applied) != 0;

    /// <summary>Sessions of the instance on this gateway (by id); guarded by <see cref="InstanceAcls"/>' lock.</summary>
    internal HashSet<string> Sessions { get; } = new(StringComparer.Ordinal);

    /// <summary>AcrIds of rules that did not compile, as last logged (logged once, not on every reconcile).</summary>
    internal HashSet<string> LoggedSkips { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// The verdict on a stream from the session's <paramref name="clientIp"/> to <paramref name="destination"/>:
    /// <paramref name="port"/>. An IPv4-mapped address is judged as its IPv4; an IPv6 one only by rules whose remote
    /// side is <c>/0</c> (rules are IPv4 CIDR blocks, spec §1.2; <see cref="AclRuleSet.EvaluateStreamToNonIpv4"/>).
    /// </summary>
    public AclVerdict EvaluateStream(uint clientIp, IPAddress destination, int port)
    {
        ArgumentNullException.ThrowIfNull(destination);
        return Judge(Rules, clientIp, destination, port);
    }

    /// <summary>
    /// Starts watching a live stream: true when the rules in force allow it (it is then closed by any later change that
    /// forbids it, until <see cref="Untrack"/>), false when they no longer do (a change landed since the stream was
    /// checked; the caller closes it, naming <paramref name="refusingRule"/>). Under the same lock as
    /// <see cref="Apply"/>, so a stream is either checked against the new rules here or found by the change's sweep.
    /// </summary>
    public bool TryTrack(WatchedTunnel stream, out string? refusingRule)
    {
        ArgumentNullException.ThrowIfNull(stream);
        lock (_gate)
        {
            var verdict = Judge(Rules, stream.ClientIp, stream.Destination, stream.Port);
            refusingRule = verdict.AcrId;
            if (!verdict.Accepts)
            {
                return false;
            }

            _streams.Add(stream);
            return true;
        }
    }

    /// <summary>Stops watching a stream that ended.</summary>
    public void Untrack(WatchedTunnel stream)
    {
        lock (_gate)
        {
            _streams.Remove(stream);
        }
    }

    /// <summary>A ticket for a load about to read the store: later tickets read later (see <see cref="Apply"/>).</summary>
    internal long NextTicket() => Interlocked.Increment(ref _requested);

    /// <summary>
    /// Puts <paramref name="rules"/>, read from the store under <paramref name="ticket"/>, in force and returns the
    /// tracked streams they forbid, each with the rule that refuses it (the caller ends them). A load whose ticket is
    /// older than the one last applied is dropped: loads run concurrently (a change notice, the reconcile, a login),
    /// and the newest ticket read the store after every write whose notice was published before it was taken. Returns
    /// null when dropped.
    /// </summary>
    internal (WatchedTunnel Stream, string? AcrId)[]? Apply(AclRuleSet rules, long ticket)
    {
        lock (_gate)
        {
            if (ticket <= _applied)
            {
                return null;
            }

            _applied = ticket;
            Volatile.Write(ref _rules, rules);
            return [.. _streams
                .Select(s => (Stream: s, Verdict: Judge(rules, s.ClientIp, s.Destination, s.Port)))
                .Where(s => !s.Verdict.Accepts)
                .Select(s => (s.Stream, s.Verdict.AcrId))];
        }
    }

    // The one place a stream's destination picks the IPv4 or the other-family evaluation, so a new stream, its
    // tracking and a change's sweep cannot judge it differently.
    private static AclVerdict Judge(AclRuleSet rules, uint clientIp, IPAddress destination, int port) =>
        TryIpv4(destination, out var address) ? rules.EvaluateStream(clientIp, address, port) : rules.EvaluateStreamToNonIpv4(clientIp, port);

    /// <summary>The host-order IPv4 of an IPv4 or IPv4-mapped IPv6 address.</summary>
    internal static bool TryIpv4(IPAddress address, out uint value)
    {
        var candidate = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        value = candidate.AddressFamily == AddressFamily.InterNetwork ? Ipv4.ToUInt32(candidate) : 0;
        return candidate.AddressFamily == AddressFamily.InterNetwork;
    }
}

/// <summary>
/// A live tunnelled stream as the ACL sees it: which session (SessionId, ClientIp) reaches what (address of either
/// family, and port), and the WebSocket to end it on.
/// </summary>
public sealed class WatchedTunnel(string sessionId, uint clientIp, IPAddress destination, int port, WebSocket socket)
{
    /// <summary>
    /// Bound on sending the close frame. It is a few dozen bytes and goes at once, unless a relay send the client is
    /// not reading (a full TCP window) holds the socket's send side: then the stream is aborted without it, as
    /// <see cref="EndAsync"/> must not hold up the API answer that applied the change.
    /// </summary>
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(1);

    /// <summary>The session the stream belongs to (for the log).</summary>
    public string SessionId { get; } = sessionId;

    /// <summary>The session's ClientIp, host order.</summary>
    public uint ClientIp { get; } = clientIp;

    /// <summary>
    /// The address the gateway connected to: IPv4 (an IPv4-mapped one as its IPv4) or IPv6 without a scope id, which
    /// keeps <see cref="Endpoint"/> within the close frame's room (InstanceAcls.RefusalReason).
    /// </summary>
    public IPAddress Destination { get; } = Unscoped(destination);

    /// <summary>The destination's TCP port.</summary>
    public int Port { get; } = port;

    /// <summary>The destination as ADDRESS:PORT (IPv6 as [ADDRESS]:PORT), as the gateway connected to it.</summary>
    public string Endpoint => new IPEndPoint(Destination, Port).ToString();

    /// <summary>
    /// Ends the stream: a close frame with status 1008 (policy violation, RFC 6455 §7.4.1) and
    /// <paramref name="reason"/>, which the client prints and which makes its relay end the local connection at once
    /// (not a half-close), then an abort, as a kick does (the relay then ends and the session stays up). The reason
    /// must fit a close frame: at most 123 bytes of UTF-8 (RFC 6455 §5.5: 125 bytes of payload, 2 of them the status).
    /// </summary>
    public async Task EndAsync(string reason)
    {
        using var timeout = new CancellationTokenSource(CloseTimeout);
        try
        {
            await socket.CloseOutputAsync(WebSocketCloseStatus.PolicyViolation, reason, timeout.Token);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            // Closing or gone already (the relay ended, the client left), or stuck behind a send: the abort ends it.
        }
        finally
        {
            socket.Abort();
        }
    }

    private static IPAddress Unscoped(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return address.IsIPv4MappedToIPv6 ? address.MapToIPv4()
            : address.AddressFamily == AddressFamily.InterNetworkV6 ? new IPAddress(address.GetAddressBytes())
            : address;
    }
}
