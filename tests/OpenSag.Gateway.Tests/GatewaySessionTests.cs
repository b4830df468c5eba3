using System.Net.WebSockets;
using Microsoft.Extensions.Logging.Abstractions;
using OpenSag.Gateway.Sessions;
using OpenSag.Gateway.Tunnels;
using OpenSag.Sessions;

namespace OpenSag.Gateway.Tests;

/// <summary>A session owns its hold on the user's bandwidth buckets (DESIGN.md §4.2): its one close path releases it.</summary>
public sealed class GatewaySessionTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task GatewaySession_Closed_ReleasesTheUsersBucketsAndJoinsNoMore()
    {
        var bandwidth = new UserBandwidth();
        using var socket = WebSocket.CreateFromStream(new MemoryStream(), new WebSocketCreationOptions { IsServer = true });
        using var channel = new ControlChannel(socket, TimeProvider.System);
        using var session = new GatewaySession(Info("s1"), 1, 2000, channel, ControlReader.Start(channel), null, new SessionRegistry(), NullLogger.Instance);
        Assert.True(session.TryGoOnline());
        Assert.NotNull(session.JoinBandwidth(bandwidth));
        Assert.Same(session.JoinBandwidth(bandwidth), session.JoinBandwidth(bandwidth));
        Assert.Equal(1, bandwidth.UserCount);

        await session.CloseAsync(SessionCloseReason.ClientClosed, CancellationToken.None).AsTask().WaitAsync(Bound);

        Assert.Equal(0, bandwidth.UserCount);
        Assert.Null(session.JoinBandwidth(bandwidth));
        Assert.Equal(0, bandwidth.UserCount);
    }

    /// <summary>A session closed before it was published (a failed admission) gives its address back and can no longer be published.</summary>
    [Fact]
    public async Task GatewaySession_ClosedWhileAdmitting_ReleasesTheLeaseAndStaysUnpublished()
    {
        var pool = new CountingPool();
        var table = new SessionRegistry();
        using var socket = WebSocket.CreateFromStream(new MemoryStream(), new WebSocketCreationOptions { IsServer = true });
        using var channel = new ControlChannel(socket, TimeProvider.System);
        using var session = new GatewaySession(Info("s1"), 1, 2000, channel, ControlReader.Start(channel),
            new AddressLease(pool, "sag-a", System.Net.IPAddress.Parse("10.0.0.2"), "s1"), table, NullLogger.Instance);
        Assert.Equal(SessionState.Admitting, session.State);

        await session.CloseAsync(SessionCloseReason.ConnectionLost, CancellationToken.None).AsTask().WaitAsync(Bound);
        await session.CloseAsync(SessionCloseReason.KickedOut, CancellationToken.None).AsTask().WaitAsync(Bound);

        Assert.Equal(SessionState.Closed, session.State);
        Assert.Equal(1, pool.Released);
        Assert.False(await table.PublishAsync(session, CancellationToken.None).WaitAsync(Bound));
        Assert.Equal(0, table.Count);
    }

    /// <summary>
    /// Publication and close raced on two threads, many times: whichever wins, once the close has returned the session is
    /// in no index and its address is back, exactly once (the kick-during-admission window, DESIGN.md §4.2).
    /// </summary>
    [Fact]
    public async Task GatewaySession_PublishRacingClose_NoEntryOutlivesTheClose()
    {
        const int Rounds = 300;
        var pool = new CountingPool();
        var table = new SessionRegistry();
        var deadline = DateTime.UtcNow + Bound;
        for (var round = 0; round < Rounds && DateTime.UtcNow < deadline; round++)
        {
            using var socket = WebSocket.CreateFromStream(new MemoryStream(), new WebSocketCreationOptions { IsServer = true });
            using var channel = new ControlChannel(socket, TimeProvider.System);
            using var session = new GatewaySession(Info("s" + round), 1, 2000, channel, ControlReader.Start(channel),
                new AddressLease(pool, "sag-a", System.Net.IPAddress.Parse("10.0.0.2"), "s1"), table, NullLogger.Instance);
            using var start = new Barrier(2);
            var publishing = Task.Run(() =>
            {
                start.SignalAndWait(Bound);
                return table.PublishAsync(session, CancellationToken.None);
            });
            var closing = Task.Run(async () =>
            {
                start.SignalAndWait(Bound);
                await session.CloseAsync(SessionCloseReason.ConnectionLost, CancellationToken.None);
            });

            await closing.WaitAsync(Bound);
            Assert.Equal(0, table.Count);
            Assert.Empty(table.FindByClientIp("10.0.0.2"));
            Assert.Equal(round + 1, pool.Released);
            await publishing.WaitAsync(Bound);
            Assert.Equal(0, table.Count);
        }
    }

    /// <summary>
    /// A kicked session whose client is slow to answer the goodbye (it may wait <c>GoodbyeTimeout</c>, 2 s) is Closing,
    /// not online: the online list and counts (and, through the observer, the cluster's row) drop it when the close
    /// starts, and its address goes back with its entry. Before, it stayed listed and leased for the whole goodbye.
    /// </summary>
    [Fact]
    public async Task GatewaySession_ClosingWhileTheClientIsSlowToAnswer_NoLongerListedNorLeased()
    {
        var pool = new CountingPool();
        var observer = new ClosedObserver();
        var table = new SessionRegistry([observer]);
        var (server, client) = await LoopbackWebSockets.PairAsync(Bound);
        using var serverSocket = server;
        using var clientSocket = client;
        using var channel = new ControlChannel(server, TimeProvider.System);
        using var session = new GatewaySession(Info("s1"), 1, 2000, channel, ControlReader.Start(channel),
            new AddressLease(pool, "sag-a", System.Net.IPAddress.Parse("10.0.0.2"), "s1"), table, NullLogger.Instance);
        Assert.True(await table.PublishAsync(session, CancellationToken.None).WaitAsync(Bound));
        Assert.Equal(1, table.CountByUser("sag-a", "alice01"));

        // The client reads nothing yet, so the goodbye waits for its close frame.
        var kick = table.CloseUserSessionsAsync("sag-a", "alice01", SessionCloseReason.KickedOut, CancellationToken.None);

        Assert.Equal(SessionState.Closing, session.State);
        Assert.Empty(table.ListByUser("sag-a", "alice01"));
        Assert.Equal(0, table.CountByUser("sag-a", "alice01"));
        Assert.Equal(0, table.CountByInstance("sag-a"));
        Assert.Empty(table.FindByClientIp("10.0.0.2"));
        Assert.Equal(1, observer.Closed);
        Assert.Equal(1, pool.Released);

        // The client answers: the goodbye ends, the kick returns, nothing is released twice.
        var buffer = new byte[4096];
        while ((await client.ReceiveAsync(buffer, CancellationToken.None).WaitAsync(Bound)).MessageType != WebSocketMessageType.Close)
        {
        }

        await client.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).WaitAsync(Bound);
        Assert.Equal(1, await kick.WaitAsync(Bound));
        Assert.Equal(SessionState.Closed, session.State);
        Assert.Equal(1, pool.Released);
        Assert.Equal(1, observer.Closed);
    }

    private sealed class ClosedObserver : ISessionObserver
    {
        private int _closed;

        public int Closed => Volatile.Read(ref _closed);

        public ValueTask SessionOpenedAsync(OnlineSessionInfo session, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public void SessionClosed(OnlineSessionInfo session) => Interlocked.Increment(ref _closed);
    }

    private sealed class CountingPool : IClientIpLeases
    {
        private int _released;

        public int Released => Volatile.Read(ref _released);

        public Task<System.Net.IPAddress?> LeaseAsync(OpenSag.Domain.Instance instance, string sessionId, System.Net.IPAddress? preferred, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public OpenSag.Domain.ClientIpSlice Slice => OpenSag.Domain.ClientIpSlice.Whole;

        public Task<bool> TryHoldStaticAsync(OpenSag.Domain.Instance instance, string userName, System.Net.IPAddress address, string sessionId, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public Task<bool> IsHeldAsync(string smartAgId, System.Net.IPAddress address, CancellationToken cancellationToken) => throw new NotSupportedException();

        public void Release(string smartAgId, System.Net.IPAddress address, string sessionId) => Interlocked.Increment(ref _released);
    }

    private static OnlineSessionInfo Info(string sessionId) => new()
    {
        SessionId = sessionId,
        SmartAGId = "sag-a",
        UserName = "alice01",
        ClientIp = "10.0.0.2",
        OnlineSince = DateTimeOffset.UnixEpoch,
    };
}
