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
    public void Registration_DisposedTwice_RemovesOnce()
    {
        var registry = new SessionRegistry();
        var first = new FakeSession(registry, "sag-a", "alice01", "s1");
        _ = new FakeSession(registry, "sag-a", "alice01", "s2");

        first.Registration.Dispose();
        first.Registration.Dispose();

        Assert.Equal(1, registry.CountByUser("sag-a", "alice01"));
    }

    /// <summary>Stands in for a gateway session: records the reason and unregisters, as the real close path does.</summary>
    private sealed class FakeSession : IOnlineSession
    {
        public FakeSession(SessionRegistry registry, string smartAgId, string userName, string id, DateTimeOffset? since = null)
        {
            Info = new OnlineSessionInfo { SessionId = id, SmartAGId = smartAgId, UserName = userName, ClientIp = "10.0.0.2", OnlineSince = since ?? DateTimeOffset.UnixEpoch };
            Registration = registry.RegisterAsync(this, CancellationToken.None).Result;
        }

        public OnlineSessionInfo Info { get; }

        public IDisposable Registration { get; }

        public SessionCloseReason? ClosedWith { get; private set; }

        public ValueTask CloseAsync(SessionCloseReason reason, CancellationToken cancellationToken)
        {
            ClosedWith = reason;
            Registration.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
