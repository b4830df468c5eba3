using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using OpenSag.Client;

namespace OpenSag.IntegrationTests.Gateway;

/// <summary>
/// The bounds on local connections waiting for the session (issue 14 fault 2), on the real forward listener with
/// real local sockets and no gateway: a connection held past the hold limit, one beyond the waiting limit, and
/// those still waiting when the client exits are closed, each failure with one line of report.
/// </summary>
public sealed class OnlineGateTests
{
    /// <summary>Bound on every wait of these tests; the holds themselves are well below it.</summary>
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    private const string Destination = "10.0.5.20:5432";

    /// <summary>
    /// How much earlier than a <see cref="Stopwatch"/> says a <see cref="TimeProvider.System"/> timer may fire: timers
    /// run on <see cref="Environment.TickCount64"/>, which Linux reads from a coarse clock that moves one kernel tick
    /// (1–10 ms) at a time. Measured here: a 300 ms hold ended 297–299.9 ms after the connection was made.
    /// </summary>
    private static readonly TimeSpan TimerEarliness = TimeSpan.FromMilliseconds(15);

    [Fact]
    public async Task Forward_NotOnlineWithinHoldLimit_ClosesTheConnectionWithOneLine()
    {
        var gate = new OnlineGate(TimeProvider.System, TimeSpan.FromMilliseconds(300), OnlineGate.DefaultWaitingLimit);
        await using var forward = ForwardListener.Start(gate);

        var clock = Stopwatch.StartNew();
        using var local = await forward.ConnectAsync();
        await AssertClosedAsync(local);

        Assert.True(clock.Elapsed >= gate.HoldLimit - TimerEarliness, $"closed after {clock.Elapsed.TotalMilliseconds:0.0} ms, before the hold limit of {gate.HoldLimit.TotalMilliseconds:0} ms");
        var line = Assert.Single(forward.Reports);
        Assert.Equal($"tunnel to {Destination} failed: not online within 0.3 s", line);
        Assert.Equal(0, gate.Waiting);
    }

    [Fact]
    public async Task Forward_MoreWaitingThanTheLimit_ClosesTheExcessAtOnceAndTheRestGoOnline()
    {
        var gate = new OnlineGate(TimeProvider.System, Deadline * 2, waitingLimit: 1);
        await using var forward = ForwardListener.Start(gate);
        using var first = await forward.ConnectAsync();
        await WaitUntilAsync(() => gate.Waiting == 1, "the first connection waits for the session");

        using var second = await forward.ConnectAsync();
        await AssertClosedAsync(second);
        Assert.Equal($"tunnel to {Destination} failed: not online yet, and the limit of 1 waiting connections is reached", Assert.Single(forward.Reports));

        // Online: the waiting connection goes to the session's opener (which refuses it here; no gateway).
        var opened = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        gate.SetOnline((destination, _) =>
        {
            opened.TrySetResult(destination);
            return Task.FromException<WebSocket>(new IOException("no gateway in this test"));
        });
        Assert.Equal(Destination, await opened.Task.WaitAsync(Deadline));
        await AssertClosedAsync(first);
        Assert.Equal(0, gate.Waiting);
    }

    [Fact]
    public async Task Forward_ClientExitsWhileConnectionsWait_ClosesThemAtOnceWithoutReport()
    {
        var gate = new OnlineGate(TimeProvider.System, Deadline * 2, OnlineGate.DefaultWaitingLimit);
        var forward = ForwardListener.Start(gate);
        using var local = await forward.ConnectAsync();
        await WaitUntilAsync(() => gate.Waiting == 1, "the connection waits for the session");

        await forward.DisposeAsync();

        await AssertClosedAsync(local);
        Assert.Empty(forward.Reports);
    }

    /// <summary>SOCKS5 says why (RFC 1928 reply 0x03, network unreachable) rather than a general failure.</summary>
    [Fact]
    public async Task Socks_NotOnlineWithinHoldLimit_RepliesNetworkUnreachable()
    {
        var gate = new OnlineGate(TimeProvider.System, TimeSpan.FromMilliseconds(300), OnlineGate.DefaultWaitingLimit);
        using var listener = TunnelListeners.Listen(new IPEndPoint(IPAddress.Loopback, 0));
        using var exit = new CancellationTokenSource();
        var reports = new ConcurrentQueue<string>();
        var serving = new TunnelListeners(gate.OpenTunnelAsync, reports.Enqueue).ServeSocksAsync(listener, exit.Token);

        var (reply, socket) = await Socks5Client.ConnectAsync(((IPEndPoint)listener.LocalEndPoint!).Port, new IPEndPoint(IPAddress.Parse("10.0.5.20"), 5432), Deadline);
        using (socket)
        {
            Assert.Equal(Socks5Client.NetworkUnreachable, reply);
        }

        Assert.Equal($"tunnel to {Destination} failed: not online within 0.3 s", Assert.Single(reports));
        await exit.CancelAsync();
        await serving.WaitAsync(Deadline);
    }

    /// <summary>
    /// The race between an open and the session's end: the open took the session while it was online, the session
    /// ended (the client calls SetOffline before disposing it) and the open failed with it. The connection was made
    /// while the client was online as far as the program could tell; it waits for the next session like one made
    /// while offline, instead of being reset.
    /// </summary>
    [Fact]
    public async Task OpenTunnel_SessionEndsDuringTheOpen_WaitsForTheNextSession()
    {
        var gate = new OnlineGate(TimeProvider.System, Deadline * 2, OnlineGate.DefaultWaitingLimit);
        gate.SetOnline((_, _) =>
        {
            gate.SetOffline();
            return Task.FromException<WebSocket>(new WebSocketException(WebSocketError.ConnectionClosedPrematurely));
        });

        var opening = gate.OpenTunnelAsync(Destination, CancellationToken.None);
        await WaitUntilAsync(() => gate.Waiting == 1 || opening.IsCompleted, "the open waits for the next session");
        using var tunnel = WebSocket.CreateFromStream(new MemoryStream(), new WebSocketCreationOptions());
        gate.SetOnline((_, _) => Task.FromResult(tunnel));

        Assert.Same(tunnel, await opening.WaitAsync(Deadline));
        Assert.Equal(0, gate.Waiting);
    }

    /// <summary>A failure of a session that is still online is the open's own (a refusal, a cap): reported at once.</summary>
    [Fact]
    public async Task OpenTunnel_FailsWhileTheSessionStaysOnline_FailsAtOnce()
    {
        var gate = new OnlineGate(TimeProvider.System, Deadline * 2, OnlineGate.DefaultWaitingLimit);
        gate.SetOnline((_, _) => Task.FromException<WebSocket>(new TunnelRefusedException(403, "not allowed")));

        await Assert.ThrowsAsync<TunnelRefusedException>(() => gate.OpenTunnelAsync(Destination, CancellationToken.None).WaitAsync(Deadline));
        Assert.Equal(0, gate.Waiting);
    }

    /// <summary>A forward said "failed" for the gateway's refusal, where SOCKS said "refused": one wording for both.</summary>
    [Fact]
    public async Task Forward_GatewayRefusesTheDestination_ReportsItAsRefused()
    {
        var gate = new OnlineGate(TimeProvider.System, Deadline * 2, OnlineGate.DefaultWaitingLimit);
        gate.SetOnline((_, _) => Task.FromException<WebSocket>(new TunnelRefusedException(403, $"{Destination} is not allowed by the gateway's tunnel policy")));
        await using var forward = ForwardListener.Start(gate);

        using var local = await forward.ConnectAsync();
        await AssertClosedAsync(local);

        Assert.Equal($"tunnel to {Destination} refused: {Destination} is not allowed by the gateway's tunnel policy", Assert.Single(forward.Reports));
    }

    /// <summary>The connection ends (FIN or RST) well before <see cref="Deadline"/>.</summary>
    private static async Task AssertClosedAsync(Socket local)
    {
        try
        {
            var read = await local.ReceiveAsync(new byte[1].AsMemory(), SocketFlags.None).AsTask().WaitAsync(Deadline);
            Assert.Equal(0, read);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(10));
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < Deadline, $"not within {Deadline.TotalSeconds} s: {what}");
            await timer.WaitForNextTickAsync();
        }
    }

    /// <summary>A <c>--forward</c> listener on 127.0.0.1:0 to <see cref="Destination"/> through <c>gate</c>; dispose is the client exiting.</summary>
    private sealed class ForwardListener : IAsyncDisposable
    {
        private readonly CancellationTokenSource _exit = new();
        private readonly int _port;
        private readonly Task _serving;

        private ForwardListener(OnlineGate gate)
        {
            var listener = TunnelListeners.Listen(new IPEndPoint(IPAddress.Loopback, 0));
            _port = ((IPEndPoint)listener.LocalEndPoint!).Port;
            _serving = new TunnelListeners(gate.OpenTunnelAsync, Reports.Enqueue).ServeForwardAsync(listener, Destination, _exit.Token);
        }

        public ConcurrentQueue<string> Reports { get; } = new();

        public static ForwardListener Start(OnlineGate gate) => new(gate);

        public Task<Socket> ConnectAsync() => TunnelTraffic.ConnectAsync(_port);

        public async ValueTask DisposeAsync()
        {
            if (!_exit.IsCancellationRequested)
            {
                await _exit.CancelAsync();
                await _serving.WaitAsync(Deadline);
            }

            _exit.Dispose();
        }
    }
}
