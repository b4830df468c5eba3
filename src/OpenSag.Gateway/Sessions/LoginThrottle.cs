using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using OpenSag.Security;

namespace OpenSag.Gateway.Sessions;

/// <summary>
/// Failed password logins, counted in a sliding window (<see cref="GatewayOptions.LoginFailureWindow"/>) under three keys,
/// so that an attacker cannot turn the limits against the people they protect (issue 9 item 6):
/// <list type="bullet">
/// <item>a <b>(user, source)</b> pair that reached <see cref="GatewayOptions.LoginFailuresPerPair"/> is refused until its
/// oldest counted failure leaves the window: the guesser is stopped, the same user from anywhere else is not;</item>
/// <item>a <b>user</b> is refused from every source only after <see cref="GatewayOptions.LoginFailuresPerUser"/> failures
/// from at least <see cref="GatewayOptions.LoginLockoutSources"/> different sources: one source alone cannot lock
/// anyone out, whatever it sends;</item>
/// <item>a <b>source</b> with failures over all users, however many, is only slowed: while the window holds one of them,
/// its password checks wait behind those of sources without (<see cref="PriorityOf"/>, <see cref="PasswordCheckGate"/>),
/// so a guesser, even one rotating user names, cannot delay anyone else's first try, and the other users behind one NAT
/// address still log in (slower only while the gate is busy).</item>
/// </list>
/// Only checked failures count (a refusal from here does not prolong itself), a resume token is never throttled, and the
/// keys are the names as given, so an unknown user is limited exactly like a known one. A source is an IPv4 address or an
/// IPv6 /64 (one host owns a whole /64). Entries whose failures all left the window are dropped by <see cref="Evict"/>
/// on the gateway's heartbeat (<see cref="LoginStateSweep"/>).
/// </summary>
public sealed class LoginThrottle(GatewayOptions options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, FailureLog> _pairs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, FailureLog> _users = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, FailureLog> _sources = new(StringComparer.Ordinal);

    /// <summary>Keys held over all three tables (for tests and the memory bench).</summary>
    public int EntryCount => _pairs.Count + _users.Count + _sources.Count;

    /// <summary>How long password logins of <paramref name="userKey"/> from <paramref name="address"/> are refused, or null when they are not.</summary>
    public TimeSpan? RetryAfter(string userKey, string address)
    {
        var source = SourceOf(address);
        var now = time.GetUtcNow();
        var pair = Find(_pairs, PairKey(userKey, source))?.BlockedFor(now, options.LoginFailureWindow, options.LoginFailuresPerPair, 1);
        var user = Find(_users, userKey)?.BlockedFor(now, options.LoginFailureWindow, options.LoginFailuresPerUser, options.LoginLockoutSources);
        return (pair, user) switch
        {
            (null, null) => null,
            ({ } p, { } u) => p > u ? p : u,
            _ => pair ?? user,
        };
    }

    /// <summary>
    /// Where a password check from this source waits (<see cref="PasswordCheckGate"/>): sources without a failure in the
    /// window first. Keyed by source, not by (user, source) pair: a guesser rotating user names keeps every pair clean,
    /// and a pair that failed has a source that failed.
    /// </summary>
    public CheckPriority PriorityOf(string address) =>
        Find(_sources, SourceOf(address))?.CountSince(time.GetUtcNow() - options.LoginFailureWindow) > 0
            ? CheckPriority.SourceFailing
            : CheckPriority.Clean;

    public void RecordFailure(string userKey, string address)
    {
        var source = SourceOf(address);
        var now = time.GetUtcNow();
        Record(_pairs, PairKey(userKey, source), options.LoginFailuresPerPair, now, null);
        Record(_users, userKey, options.LoginFailuresPerUser, now, source);
        // Only "any failure in the window" matters for a source: its newest one is all it keeps.
        Record(_sources, source, 1, now, null);
    }

    /// <summary>Drops every entry whose newest failure has left the window.</summary>
    public void Evict()
    {
        var cutoff = time.GetUtcNow() - options.LoginFailureWindow;
        Evict(_pairs, cutoff);
        Evict(_users, cutoff);
        Evict(_sources, cutoff);
    }

    /// <summary>The throttling key of a peer address (<see cref="ClientSource.Of"/>): the IPv4 address, or the /64 of an IPv6 one.</summary>
    public static string SourceOf(string address)
    {
        if (!IPAddress.TryParse(address, out var ip))
        {
            return address;
        }

        var source = ClientSource.Of(ip);
        return source.AddressFamily == AddressFamily.InterNetworkV6 ? source + "/64" : source.ToString();
    }

    private static string PairKey(string userKey, string source) => userKey + "\n" + source;

    private static FailureLog? Find(ConcurrentDictionary<string, FailureLog> table, string key) => table.GetValueOrDefault(key);

    private static void Record(ConcurrentDictionary<string, FailureLog> table, string key, int limit, DateTimeOffset now, string? source)
    {
        // A log the sweep removed between our lookup and our lock is dead: add to a fresh one instead.
        while (!table.GetOrAdd(key, _ => new FailureLog(limit, source is not null)).TryAdd(now, source))
        {
        }
    }

    private static void Evict(ConcurrentDictionary<string, FailureLog> table, DateTimeOffset cutoff)
    {
        foreach (var (key, log) in table)
        {
            if (log.TryRetire(cutoff))
            {
                table.TryRemove(new KeyValuePair<string, FailureLog>(key, log));
            }
        }
    }

    /// <summary>
    /// The last <c>limit</c> failures of one key (a ring: older ones cannot change a decision, since the limit is reached
    /// as soon as the newest <c>limit</c> fall in the window), with their sources where distinct sources count.
    /// </summary>
    private sealed class FailureLog(int limit, bool withSources)
    {
        private readonly DateTimeOffset[] _times = new DateTimeOffset[Math.Max(1, limit)];
        private readonly string?[]? _sources = withSources ? new string?[Math.Max(1, limit)] : null;
        private readonly Lock _gate = new();
        private int _count;
        private int _next;
        private bool _retired;

        public bool TryAdd(DateTimeOffset now, string? source)
        {
            lock (_gate)
            {
                if (_retired)
                {
                    return false;
                }

                _times[_next] = now;
                if (_sources is not null)
                {
                    _sources[_next] = source;
                }

                _next = (_next + 1) % _times.Length;
                _count = Math.Min(_count + 1, _times.Length);
                return true;
            }
        }

        public int CountSince(DateTimeOffset cutoff)
        {
            lock (_gate)
            {
                return Recent(cutoff).Count();
            }
        }

        /// <summary>
        /// Null while fewer than <paramref name="limit"/> failures from at least <paramref name="sources"/> sources are in the
        /// window; else how long until the oldest of them leaves it (at least one second: the client waits whole seconds).
        /// </summary>
        public TimeSpan? BlockedFor(DateTimeOffset now, TimeSpan window, int limit, int sources)
        {
            lock (_gate)
            {
                var recent = Recent(now - window).ToArray();
                if (recent.Length < limit || (_sources is not null && recent.Select(i => _sources[i]).Distinct(StringComparer.Ordinal).Count() < sources))
                {
                    return null;
                }

                var until = recent.Min(i => _times[i]) + window - now;
                return until < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : until;
            }
        }

        /// <summary>True (and dead for good) when every failure held is at or before <paramref name="cutoff"/>.</summary>
        public bool TryRetire(DateTimeOffset cutoff)
        {
            lock (_gate)
            {
                _retired = !Recent(cutoff).Any();
                return _retired;
            }
        }

        private IEnumerable<int> Recent(DateTimeOffset cutoff)
        {
            for (var i = 0; i < _count; i++)
            {
                if (_times[i] > cutoff)
                {
                    yield return i;
                }
            }
        }
    }
}

/// <summary>Where a password check waits in the <see cref="PasswordCheckGate"/>; lower goes first (mostly: the gate gives
/// every <see cref="PasswordCheckGate.LowerPriorityTurn"/>th slot to a waiting lower one, so none starves).</summary>
public enum CheckPriority
{
    /// <summary>The source has no failed login in the window: a legitimate first try, most likely.</summary>
    Clean = 0,

    /// <summary>The source failed lately for some user (a guesser, or a NAT with a typo behind it).</summary>
    SourceFailing = 1,
}
