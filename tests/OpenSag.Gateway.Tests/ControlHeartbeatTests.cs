using OpenSag.Gateway.Sessions;

namespace OpenSag.Gateway.Tests;

/// <summary>
/// The gateway's one heartbeat (issue 10 item 10): a peer that goes silent is dropped within twice the keepalive
/// interval of its last frame, whatever the phase of the ticks, and a peer that answers is never dropped.
/// </summary>
public sealed class ControlHeartbeatTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(10);

    [Theory]
    [InlineData(0)]
    [InlineData(10)]
    [InlineData(370)]
    [InlineData(740)]
    [InlineData(749)]
    public void Heartbeat_PeerFreezesAtAnyPhase_ExpiredWithinTwiceTheInterval(int phaseMilliseconds)
    {
        var clock = new ManualTimeProvider();
        using var heartbeat = new ControlHeartbeat(new GatewayOptions { KeepaliveInterval = Interval }, clock);
        // The peer answers pings for 30 s, then sends one last frame at a given phase of the 750 ms ticks and freezes.
        var peer = new FakePeer(clock) { RoundTrip = TimeSpan.FromMilliseconds(20) };
        using var watch = heartbeat.Watch(peer);
        for (var elapsed = TimeSpan.Zero; elapsed < TimeSpan.FromSeconds(30) + TimeSpan.FromMilliseconds(phaseMilliseconds); elapsed += TimeSpan.FromMilliseconds(1))
        {
            clock.Advance(TimeSpan.FromMilliseconds(1));
            peer.DeliverAnswers();
        }

        peer.Freeze();
        peer.Hear();
        var frozenAt = clock.Elapsed;

        while (peer.ExpiredAt is null && clock.Elapsed - frozenAt <= Interval * 3)
        {
            clock.Advance(Step);
        }

        Assert.NotNull(peer.ExpiredAt);
        var silence = peer.ExpiredAt.Value - frozenAt;
        Assert.True(silence <= Interval * 2, $"expired after {silence.TotalMilliseconds} ms of silence; the bound is {(Interval * 2).TotalMilliseconds} ms");
        Assert.True(silence >= heartbeat.DeadAfter, $"expired after only {silence.TotalMilliseconds} ms of silence");
        Assert.True(peer.PingsWhileSilent >= 2, "a silent peer is pinged before it is given up");
        Assert.Equal(0, heartbeat.Count);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(500)]
    [InlineData(1400)]
    public void Heartbeat_PeerAnswersEveryPing_NeverExpired(int roundTripMilliseconds)
    {
        var clock = new ManualTimeProvider();
        using var heartbeat = new ControlHeartbeat(new GatewayOptions { KeepaliveInterval = Interval }, clock);
        var peer = new FakePeer(clock) { RoundTrip = TimeSpan.FromMilliseconds(roundTripMilliseconds) };
        using var watch = heartbeat.Watch(peer);

        for (var elapsed = TimeSpan.Zero; elapsed < Interval * 100; elapsed += Step)
        {
            clock.Advance(Step);
            peer.DeliverAnswers();
        }

        Assert.Null(peer.ExpiredAt);
        Assert.True(peer.Pings > 0, "an idle peer is pinged");
        Assert.Equal(1, heartbeat.Count);
    }

    [Fact]
    public void Heartbeat_PeerSilentBeforeWatching_SilenceCountedFromTheWatch()
    {
        // A login queued for the password check waits quietly for its answer; that wait is not the client's silence.
        var clock = new ManualTimeProvider();
        using var heartbeat = new ControlHeartbeat(new GatewayOptions { KeepaliveInterval = Interval }, clock);
        var peer = new FakePeer(clock);
        clock.Advance(TimeSpan.FromSeconds(20));
        using var watch = heartbeat.Watch(peer);

        clock.Advance(heartbeat.DeadAfter - Step);
        Assert.Null(peer.ExpiredAt);
        clock.Advance(heartbeat.Period + Step);
        Assert.NotNull(peer.ExpiredAt);
    }

    [Fact]
    public void Heartbeat_WatchDisposed_PeerNeitherPingedNorExpired()
    {
        var clock = new ManualTimeProvider();
        using var heartbeat = new ControlHeartbeat(new GatewayOptions { KeepaliveInterval = Interval }, clock);
        var peer = new FakePeer(clock);
        heartbeat.Watch(peer).Dispose();

        clock.Advance(Interval * 10);

        Assert.Null(peer.ExpiredAt);
        Assert.Equal(0, peer.Pings);
        Assert.Equal(0, heartbeat.Count);
    }

    private sealed class FakePeer(ManualTimeProvider clock) : IKeepalivePeer
    {
        private readonly Queue<TimeSpan> _answers = new();
        private TimeSpan _lastHeard = clock.Elapsed;

        /// <summary>When set, each ping is answered this long after it was sent; otherwise the peer is frozen.</summary>
        public TimeSpan? RoundTrip { get; set; }

        public TimeSpan? ExpiredAt { get; private set; }

        public int Pings { get; private set; }

        public int PingsWhileSilent { get; private set; }

        public long LastSeen => _lastHeard.Ticks;

        public void Hear()
        {
            _lastHeard = clock.Elapsed;
            PingsWhileSilent = 0;
        }

        public void Freeze()
        {
            RoundTrip = null;
            _answers.Clear();
        }

        public void DeliverAnswers()
        {
            while (_answers.TryPeek(out var due) && due <= clock.Elapsed)
            {
                _answers.Dequeue();
                Hear();
            }
        }

        public void Ping()
        {
            Pings++;
            PingsWhileSilent++;
            if (RoundTrip is { } roundTrip)
            {
                _answers.Enqueue(clock.Elapsed + roundTrip);
            }
        }

        public void Expire() => ExpiredAt ??= clock.Elapsed;
    }
}
