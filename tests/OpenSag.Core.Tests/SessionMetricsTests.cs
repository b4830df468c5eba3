using System.Diagnostics.Metrics;
using OpenSag.Sessions;

namespace OpenSag.Core.Tests;

/// <summary>Revocations counted on the <c>OpenSag.Gateway</c> meter, and the per-instance counts the online gauge reads.</summary>
public sealed class SessionMetricsTests
{
    [Fact]
    public void TagValue_EveryReason_LowerCaseWordsJoinedByHyphensAndDistinct()
    {
        var values = Enum.GetValues<SessionCloseReason>().Select(SessionMetrics.TagValue).ToList();

        Assert.Equal("kicked-out", SessionMetrics.TagValue(SessionCloseReason.KickedOut));
        Assert.Equal("keepalive-timeout", SessionMetrics.TagValue(SessionCloseReason.KeepaliveTimeout));
        Assert.Equal(values.Count, values.Distinct().Count());
        Assert.All(values, v => Assert.Matches("^[a-z]+(-[a-z]+)*$", v));
    }

    [Fact]
    public async Task RevokeAsync_TwoSessionsOfTheUser_OneKickAndTwoSessionsCounted()
    {
        var registry = new SessionRegistry();
        foreach (var id in new[] { "s1", "s2" })
        {
            Assert.True(await registry.PublishAsync(new ClosingStub(registry, "sag-m", "mia01", id), CancellationToken.None));
        }

        var thread = Environment.CurrentManagedThreadId;
        var seen = new List<(string Instrument, long Value, string? Reason)>();
        using (var listener = new MeterListener())
        {
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == SessionMetrics.MeterName && instrument.Name is SessionMetrics.KicksName or SessionMetrics.KickedSessionsName)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            {
                // Other tests revoke in parallel; the stubs close synchronously, so this test's measurements are on its thread.
                if (Environment.CurrentManagedThreadId == thread)
                {
                    seen.Add((instrument.Name, value, (string?)tags[0].Value));
                }
            });
            listener.Start();

            var closed = await new SessionRevoker(registry, new SingleNodeAnnouncer())
                .RevokeAsync(new SessionRevocation("sag-m", "mia01", SessionRevocation.AllGenerations, SessionCloseReason.UserDisabled), CancellationToken.None);
            Assert.Equal(2, closed);
        }

        Assert.Equal([(SessionMetrics.KicksName, 1L, "user-disabled"), (SessionMetrics.KickedSessionsName, 2L, "user-disabled")], seen);
    }

    [Fact]
    public async Task CountsByInstance_SessionsOfTwoInstances_OneCountPerInstanceWithSessions()
    {
        var registry = new SessionRegistry();
        var last = new ClosingStub(registry, "sag-b", "bob01", "s3");
        foreach (var session in new[] { new ClosingStub(registry, "sag-a", "alice01", "s1"), new ClosingStub(registry, "sag-a", "ann01", "s2"), last })
        {
            Assert.True(await registry.PublishAsync(session, CancellationToken.None));
        }

        Assert.Equal([("sag-a", 2), ("sag-b", 1)], registry.CountsByInstance().Order());
        await last.CloseAsync(SessionCloseReason.KickedOut, CancellationToken.None);
        Assert.Equal([("sag-a", 2)], registry.CountsByInstance());
    }

    /// <summary>A session whose close withdraws it at once, as the gateway's close path does.</summary>
    private sealed class ClosingStub(SessionRegistry registry, string smartAgId, string userName, string sessionId) : IOnlineSession
    {
        public OnlineSessionInfo Info { get; } = new() { SessionId = sessionId, SmartAGId = smartAgId, UserName = userName, ClientIp = "10.0.0.2", OnlineSince = DateTimeOffset.UnixEpoch };

        public SessionState State { get; private set; }

        public SessionTraffic Traffic { get; } = new();

        public bool TryGoOnline()
        {
            State = SessionState.Online;
            return true;
        }

        public ValueTask CloseAsync(SessionCloseReason reason, CancellationToken cancellationToken)
        {
            State = SessionState.Closed;
            registry.Withdraw(this);
            return ValueTask.CompletedTask;
        }
    }
}
