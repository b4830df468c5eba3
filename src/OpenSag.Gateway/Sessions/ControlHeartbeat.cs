using System.Collections.Concurrent;

namespace OpenSag.Gateway.Sessions;

/// <summary>What <see cref="ControlHeartbeat"/> needs of a connection.</summary>
public interface IKeepalivePeer
{
    /// <summary><see cref="TimeProvider.GetTimestamp"/> when anything last arrived from the peer.</summary>
    long LastSeen { get; }

    /// <summary>Asks the peer for an answer; must not block.</summary>
    void Ping();

    /// <summary>The peer is dead: end its connection, recording that the timeout is why. Must not block.</summary>
    void Expire();
}

/// <summary>
/// The gateway's one heartbeat (DESIGN.md §4, §8): a single <see cref="TimeProvider"/> timer that ticks every quarter
/// of the keepalive interval I, pings each watched peer it has not heard from for I/2, and expires a peer silent for
/// 2I − I/4. A peer is judged at the first tick after that, so it is dropped at most 2I after the last frame it sent
/// (the README's bound), whatever the phase of the ticks; later only by how late the timer itself runs. A live peer
/// is pinged by I/2 + I/4 of silence and its answer is a round trip away, which leaves about I of margin before
/// 1.75I. (The WebSocket's own keepalive could not give this bound: its ping timer and its pong deadline run one
/// after the other, so a peer frozen just after answering a ping outlived 2I by up to half an interval.)
/// </summary>
public sealed class ControlHeartbeat : IDisposable
{
    private readonly ConcurrentDictionary<IKeepalivePeer, long> _peers = new(ReferenceEqualityComparer.Instance);
    private readonly ConcurrentDictionary<Chore, byte> _chores = new(ReferenceEqualityComparer.Instance);
    private readonly TimeProvider _time;
    private readonly ITimer _timer;
    private int _ticking;

    public ControlHeartbeat(GatewayOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        _time = time;
        Period = options.KeepaliveInterval / 4;
        PingAfter = options.KeepaliveInterval / 2;
        DeadAfter = (options.KeepaliveInterval * 2) - Period;
        _timer = time.CreateTimer(_ => Tick(), null, Period, Period);
    }

    /// <summary>How often the heartbeat ticks: a quarter of the keepalive interval.</summary>
    public TimeSpan Period { get; }

    /// <summary>Silence after which a peer is pinged.</summary>
    public TimeSpan PingAfter { get; }

    /// <summary>Silence after which a peer is expired (then judged at the next tick: at most twice the interval in all).</summary>
    public TimeSpan DeadAfter { get; }

    /// <summary>Peers being watched now.</summary>
    public int Count => _peers.Count;

    /// <summary>
    /// Watches <paramref name="peer"/> until the returned handle is disposed (or the peer is expired). Silence is
    /// counted from the later of its last frame and now: a client waits quietly for its login's answer, which may
    /// have queued for a while, and that wait is not its silence.
    /// </summary>
    public IDisposable Watch(IKeepalivePeer peer)
    {
        _peers[peer] = _time.GetTimestamp();
        return new Watching(this, peer);
    }

    /// <summary>
    /// Runs <paramref name="work"/> on this heartbeat every <paramref name="interval"/> until the returned handle is
    /// disposed: at the first tick after it is due, so late by at most one <see cref="Period"/>. The gateway's
    /// housekeeping (DESIGN.md §4.2: idle throttle entries, expired revocations) rides this one timer rather than keeping
    /// timers of its own. <paramref name="work"/> runs on the timer's thread and must not block.
    /// </summary>
    public IDisposable Every(TimeSpan interval, Action work)
    {
        var chore = new Chore(this, interval, work, _time.GetTimestamp());
        _chores[chore] = 0;
        return chore;
    }

    /// <summary>One beat; the timer calls it. A beat that overlaps a slow previous one is skipped.</summary>
    internal void Tick()
    {
        if (Interlocked.Exchange(ref _ticking, 1) == 1)
        {
            return;
        }

        try
        {
            var now = _time.GetTimestamp();
            foreach (var (peer, watchedSince) in _peers)
            {
                var silent = _time.GetElapsedTime(Math.Max(peer.LastSeen, watchedSince), now);
                if (silent >= DeadAfter)
                {
                    if (_peers.TryRemove(peer, out _))
                    {
                        peer.Expire();
                    }
                }
                else if (silent >= PingAfter)
                {
                    peer.Ping();
                }
            }

            foreach (var chore in _chores.Keys)
            {
                if (_time.GetElapsedTime(chore.LastRun, now) >= chore.Interval)
                {
                    chore.LastRun = now;
                    chore.Work();
                }
            }
        }
        finally
        {
            Volatile.Write(ref _ticking, 0);
        }
    }

    public void Dispose() => _timer.Dispose();

    private sealed class Watching(ControlHeartbeat heartbeat, IKeepalivePeer peer) : IDisposable
    {
        public void Dispose() => heartbeat._peers.TryRemove(peer, out _);
    }

    private sealed class Chore(ControlHeartbeat heartbeat, TimeSpan interval, Action work, long registered) : IDisposable
    {
        public TimeSpan Interval { get; } = interval;

        public Action Work { get; } = work;

        /// <summary>Timestamp of the last run (of the registration before the first); only the ticking thread writes it.</summary>
        public long LastRun { get; set; } = registered;

        public void Dispose() => heartbeat._chores.TryRemove(this, out _);
    }
}
