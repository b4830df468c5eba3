using OpenSag.Sessions;

namespace OpenSag.Core.Tests;

public sealed class SessionRegistryTests
{
    [Fact]
    public async Task CloseUserSessions_OneUserOfSeveral_ClosesOnlyThatUsersSessions()
    {
        var registry = new SessionRegistry();
        var target1 = new FakeSession(registry, "sag-a", "alice01", "s1");
        var target2 = new FakeSession(registry, "sag-a", "alice01", "s2");
        var otherUser = new FakeSession(registry, "sag-a", "bobby01", "s3");
        var otherInstance = new FakeSession(registry, "sag-b", "alice01", "s4");

        var closed = await registry.CloseUserSessionsAsync("sag-a", "alice01", SessionCloseReason.KickedOut, CancellationToken.None)
            .WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(2, closed);
        Assert.Equal(SessionCloseReason.KickedOut, target1.ClosedWith);
        Assert.Equal(SessionCloseReason.KickedOut, target2.ClosedWith);
        Assert.Null(otherUser.ClosedWith);
        Assert.Null(otherInstance.ClosedWith);
        Assert.Equal(0, registry.CountByUser("sag-a", "alice01"));
        Assert.Equal(1, registry.CountByInstance("sag-a"));
        Assert.Equal(1, registry.CountByInstance("sag-b"));
    }

    [Fact]
    public async Task CloseUserSessions_NoSessions_ReturnsZero() =>
        Assert.Equal(0, await new SessionRegistry().CloseUserSessionsAsync("sag-a", "nobody1", SessionCloseReason.KickedOut, CancellationToken.None)
            .WaitAsync(TimeSpan.FromSeconds(10)));

    [Fact]
    public void ListByUser_TwoSessions_OrderedByOnlineSince()
    {
        var registry = new SessionRegistry();
        _ = new FakeSession(registry, "sag-a", "alice01", "late", DateTimeOffset.UnixEpoch.AddSeconds(20));
        _ = new FakeSession(registry, "sag-a", "alice01", "early", DateTimeOffset.UnixEpoch.AddSeconds(10));

        Assert.Equal(["early", "late"], registry.ListByUser("sag-a", "alice01").Select(s => s.SessionId));
    }

    [Fact]
    public void Withdraw_Twice_RemovesOnce()
    {
        var registry = new SessionRegistry();
        var first = new FakeSession(registry, "sag-a", "alice01", "s1");
        _ = new FakeSession(registry, "sag-a", "alice01", "s2");

        registry.Withdraw(first);
        registry.Withdraw(first);

        Assert.Equal(1, registry.CountByUser("sag-a", "alice01"));
        Assert.Null(registry.Find("s1"));
        Assert.NotNull(registry.Find("s2"));
    }

    /// <summary>The three indexes agree: by id, by user and by ClientIp, before and after the session closes.</summary>
    [Fact]
    public async Task FindByClientIp_PublishedThenClosed_FoundThenGone()
    {
        var registry = new SessionRegistry();
        var leased = new FakeSession(registry, "sag-a", "alice01", "s1", clientIp: "10.0.0.7");
        var staticFirst = new FakeSession(registry, "sag-a", "bobby01", "s2", clientIp: "10.0.0.9");
        var staticSecond = new FakeSession(registry, "sag-a", "bobby01", "s3", clientIp: "10.0.0.9");

        Assert.Same(leased, Assert.Single(registry.FindByClientIp("10.0.0.7")));
        Assert.Equal(["s2", "s3"], registry.FindByClientIp("10.0.0.9").Select(s => s.Info.SessionId).Order(StringComparer.Ordinal));
        Assert.Same(staticSecond, registry.Find("s3"));

        await registry.CloseUserSessionsAsync("sag-a", "alice01", SessionCloseReason.KickedOut, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        await staticFirst.CloseAsync(SessionCloseReason.ClientClosed, CancellationToken.None);

        Assert.Empty(registry.FindByClientIp("10.0.0.7"));
        Assert.Same(staticSecond, Assert.Single(registry.FindByClientIp("10.0.0.9")));
        Assert.Null(registry.Find("s1"));
        Assert.Equal(1, registry.Count);
    }

    /// <summary>A session whose close began before its publication is never published: no entry can outlive its close.</summary>
    [Fact]
    public async Task PublishAsync_SessionAlreadyClosing_NotPublished()
    {
        var registry = new SessionRegistry();
        var session = new FakeSession(registry, "sag-a", "alice01", "s1", publish: false);
        await session.CloseAsync(SessionCloseReason.KickedOut, CancellationToken.None);

        Assert.False(await registry.PublishAsync(session, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10)));

        Assert.Equal(0, registry.Count);
        Assert.Empty(registry.FindByClientIp("10.0.0.2"));
    }

    /// <summary>Once the shutdown's sweep has run, a session admitted meanwhile is refused publication (its owner closes it).</summary>
    [Fact]
    public async Task PublishAsync_AfterShutdownSweep_NotPublished()
    {
        var registry = new SessionRegistry();
        var swept = new FakeSession(registry, "sag-a", "alice01", "s1");
        await registry.CloseAllForShutdownAsync().WaitAsync(TimeSpan.FromSeconds(10));
        var late = new FakeSession(registry, "sag-a", "alice01", "s2", publish: false);

        Assert.False(await registry.PublishAsync(late, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10)));

        Assert.Equal(SessionCloseReason.ServerShutdown, swept.ClosedWith);
        Assert.True(registry.IsShuttingDown);
        Assert.Equal(0, registry.Count);
    }

    /// <summary>A fenced node (cut off from its cluster) closes every session and publishes none until unfenced.</summary>
    [Fact]
    public async Task FenceAsync_SessionsOnline_ClosesThemAndRefusesPublicationUntilUnfenced()
    {
        var registry = new SessionRegistry();
        var alice = new FakeSession(registry, "sag-a", "alice01", "s1");
        var bob = new FakeSession(registry, "sag-b", "bobby01", "s2", clientIp: "10.0.0.3");

        Assert.Equal(2, await registry.FenceAsync(SessionCloseReason.ServerShutdown).WaitAsync(TimeSpan.FromSeconds(10)));
        var whileFenced = new FakeSession(registry, "sag-a", "alice01", "s3", publish: false);
        var refused = await registry.PublishAsync(whileFenced, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        registry.Unfence();
        var afterwards = new FakeSession(registry, "sag-a", "alice01", "s4", publish: false);
        var admitted = await registry.PublishAsync(afterwards, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(SessionCloseReason.ServerShutdown, alice.ClosedWith);
        Assert.Equal(SessionCloseReason.ServerShutdown, bob.ClosedWith);
        Assert.False(refused);
        Assert.True(admitted);
        Assert.False(registry.IsShuttingDown);
        Assert.Equal(["s4"], registry.All().Select(s => s.SessionId));
    }

    [Fact]
    public void ListByInstance_SessionsOfSeveralUsersAndInstances_OnlyThatInstanceOrderedByUserTimeIdWithNodeAndBytes()
    {
        var registry = new SessionRegistry { Node = "node-a" };
        var bob = new FakeSession(registry, "sag-a", "bobby01", "s1", DateTimeOffset.UnixEpoch);
        _ = new FakeSession(registry, "sag-a", "alice01", "s3", DateTimeOffset.UnixEpoch.AddSeconds(10));
        _ = new FakeSession(registry, "sag-a", "alice01", "s2", DateTimeOffset.UnixEpoch.AddSeconds(10));
        _ = new FakeSession(registry, "sag-a", "alice01", "s4", DateTimeOffset.UnixEpoch.AddSeconds(5));
        _ = new FakeSession(registry, "sag-b", "alice01", "s5");
        bob.Traffic.Add(100, 2000);
        bob.Traffic.Add(1, 0);

        var listed = registry.ListByInstance("sag-a");

        Assert.Equal(["s4", "s2", "s3", "s1"], listed.Select(l => l.Session.SessionId));
        Assert.All(listed, l => Assert.Equal("node-a", l.Node));
        Assert.Equal((101L, 2000L), (listed[3].BytesFromClient, listed[3].BytesToClient));
        Assert.Empty(registry.ListByInstance("sag-c"));
    }

    [Fact]
    public async Task CloseSessionAsync_IdOfAnotherInstanceOrUnknown_FalseAndNothingClosed()
    {
        var registry = new SessionRegistry();
        var session = new FakeSession(registry, "sag-a", "alice01", "s1");

        Assert.False(await registry.CloseSessionAsync("sag-b", "s1", SessionCloseReason.Disconnected, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.False(await registry.CloseSessionAsync("sag-a", "s9", SessionCloseReason.Disconnected, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Null(session.ClosedWith);

        Assert.True(await registry.CloseSessionAsync("sag-a", "s1", SessionCloseReason.Disconnected, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(SessionCloseReason.Disconnected, session.ClosedWith);
    }

    /// <summary>Stands in for a gateway session: records the reason and withdraws itself, as the real close path does.</summary>
    private sealed class FakeSession : IOnlineSession
    {
        public SessionTraffic Traffic { get; } = new();

        private readonly SessionRegistry _registry;

        public FakeSession(SessionRegistry registry, string smartAgId, string userName, string id, DateTimeOffset? since = null, string clientIp = "10.0.0.2", bool publish = true)
        {
            _registry = registry;
            Info = new OnlineSessionInfo { SessionId = id, SmartAGId = smartAgId, UserName = userName, ClientIp = clientIp, OnlineSince = since ?? DateTimeOffset.UnixEpoch };
            if (publish)
            {
                Assert.True(registry.PublishAsync(this, CancellationToken.None).Result);
            }
        }

        public OnlineSessionInfo Info { get; }

        public SessionState State { get; private set; }

        public SessionCloseReason? ClosedWith { get; private set; }

        public bool TryGoOnline()
        {
            if (State != SessionState.Admitting)
            {
                return false;
            }

            State = SessionState.Online;
            return true;
        }

        public ValueTask CloseAsync(SessionCloseReason reason, CancellationToken cancellationToken)
        {
            ClosedWith = reason;
            State = SessionState.Closed;
            _registry.Withdraw(this);
            return ValueTask.CompletedTask;
        }
    }
}
