using OpenSag.Sessions;

namespace OpenSag.Core.Tests;

/// <summary>What the cluster relies on: observers see every registration and removal, and stale-only closes.</summary>
public sealed class SessionRegistryClusterTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task PublishAsync_ObserverFails_SessionNotPublishedAndFailurePropagates()
    {
        var observer = new RecordingObserver { FailOpen = true };
        var registry = new SessionRegistry([observer]);

        await Assert.ThrowsAsync<InvalidOperationException>(() => registry.PublishAsync(new StubSession("s1", 1), CancellationToken.None).WaitAsync(Timeout));

        Assert.Equal(0, registry.CountByUser("sag-a", "alice01"));
        Assert.Equal(["s1"], observer.Closed);
    }

    [Fact]
    public async Task Withdraw_Twice_ObserverHearsOpenThenCloseOnce()
    {
        var observer = new RecordingObserver();
        var registry = new SessionRegistry([observer]);
        var session = new StubSession("s1", 1);

        Assert.True(await registry.PublishAsync(session, CancellationToken.None).WaitAsync(Timeout));
        registry.Withdraw(session);
        registry.Withdraw(session);

        Assert.Equal(["s1"], observer.Opened);
        Assert.Equal(["s1"], observer.Closed);
    }

    [Fact]
    public async Task CloseStaleSessions_MixedGenerations_ClosesOnlyThoseBelowTheRevokedGeneration()
    {
        var registry = new SessionRegistry();
        var old = new StubSession("old", 3);
        var fresh = new StubSession("fresh", 4);
        await registry.PublishAsync(old, CancellationToken.None).WaitAsync(Timeout);
        await registry.PublishAsync(fresh, CancellationToken.None).WaitAsync(Timeout);

        var closed = await registry.CloseStaleSessionsAsync("sag-a", "alice01", 4, SessionCloseReason.KickedOut, CancellationToken.None).WaitAsync(Timeout);

        Assert.Equal(1, closed);
        Assert.Equal(SessionCloseReason.KickedOut, old.ClosedWith);
        Assert.Null(fresh.ClosedWith);
    }

    [Fact]
    public async Task RevokeAsync_LocalSessions_ClosesThemBeforeAnnouncing()
    {
        var registry = new SessionRegistry();
        var session = new StubSession("s1", 1);
        await registry.PublishAsync(session, CancellationToken.None).WaitAsync(Timeout);
        var announcer = new RecordingAnnouncer(() => session.ClosedWith is not null);
        var revocation = new SessionRevocation("sag-a", "alice01", 2, SessionCloseReason.KickedOut);

        var closed = await new SessionRevoker(registry, announcer).RevokeAsync(revocation, CancellationToken.None).WaitAsync(Timeout);

        Assert.Equal(1, closed);
        Assert.Equal([(revocation, true)], announcer.Announced);
    }

    [Fact]
    public async Task DisconnectAsync_SessionHere_ClosesItWithDisconnectedAndAsksNoOtherNode()
    {
        var registry = new SessionRegistry();
        var session = new StubSession("s1", 1);
        var other = new StubSession("s2", 1);
        await registry.PublishAsync(session, CancellationToken.None).WaitAsync(Timeout);
        await registry.PublishAsync(other, CancellationToken.None).WaitAsync(Timeout);
        var announcer = new RecordingAnnouncer(() => true);

        Assert.True(await new SessionRevoker(registry, announcer).DisconnectAsync("sag-a", "s1", CancellationToken.None).WaitAsync(Timeout));

        Assert.Equal(SessionCloseReason.Disconnected, session.ClosedWith);
        Assert.Null(other.ClosedWith);
        Assert.Empty(announcer.Disconnects);
    }

    [Fact]
    public async Task DisconnectAsync_SessionNotHere_AsksTheOtherNodesAndAnswersTheirVerdict()
    {
        var announcer = new RecordingAnnouncer(() => true);

        Assert.False(await new SessionRevoker(new SessionRegistry(), announcer).DisconnectAsync("sag-a", "s1", CancellationToken.None).WaitAsync(Timeout));

        Assert.Equal(["s1"], announcer.Disconnects);
    }

    private sealed class StubSession(string id, long generation) : IOnlineSession
    {
        public SessionTraffic Traffic { get; } = new();

        public OnlineSessionInfo Info { get; } = new()
        {
            SessionId = id,
            SmartAGId = "sag-a",
            UserName = "alice01",
            ClientIp = "10.0.0.2",
            OnlineSince = DateTimeOffset.UnixEpoch,
            SessionGeneration = generation,
        };

        public SessionCloseReason? ClosedWith { get; private set; }

        public SessionState State { get; private set; }

        public bool TryGoOnline()
        {
            State = SessionState.Online;
            return true;
        }

        public ValueTask CloseAsync(SessionCloseReason reason, CancellationToken cancellationToken)
        {
            ClosedWith = reason;
            return ValueTask.CompletedTask;
        }
    }

    private sealed class RecordingObserver : ISessionObserver
    {
        public bool FailOpen { get; init; }

        public List<string> Opened { get; } = [];

        public List<string> Closed { get; } = [];

        public ValueTask SessionOpenedAsync(OnlineSessionInfo session, CancellationToken cancellationToken)
        {
            Opened.Add(session.SessionId);
            return FailOpen ? ValueTask.FromException(new InvalidOperationException("database down")) : ValueTask.CompletedTask;
        }

        public void SessionClosed(OnlineSessionInfo session) => Closed.Add(session.SessionId);
    }

    /// <summary>Records each announcement with whether the local close had already happened when it was made.</summary>
    private sealed class RecordingAnnouncer(Func<bool> closedLocally) : ISessionRevocationAnnouncer
    {
        public List<(SessionRevocation, bool)> Announced { get; } = [];

        public Task AnnounceAsync(SessionRevocation revocation, CancellationToken cancellationToken)
        {
            Announced.Add((revocation, closedLocally()));
            return Task.CompletedTask;
        }

        /// <summary>Session ids asked of the other nodes; none holds them.</summary>
        public List<string> Disconnects { get; } = [];

        public Task<bool> AnnounceDisconnectAsync(string smartAgId, string sessionId, CancellationToken cancellationToken)
        {
            Disconnects.Add(sessionId);
            return Task.FromResult(false);
        }
    }
}
