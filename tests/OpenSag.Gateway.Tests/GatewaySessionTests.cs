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
        using var session = new GatewaySession(Info("s1"), 1, 2000, channel, NullLogger.Instance);
        Assert.NotNull(session.JoinBandwidth(bandwidth));
        Assert.Same(session.JoinBandwidth(bandwidth), session.JoinBandwidth(bandwidth));
        Assert.Equal(1, bandwidth.UserCount);

        session.MarkReceiveEnded();
        await session.CloseAsync(SessionCloseReason.ClientClosed, CancellationToken.None).AsTask().WaitAsync(Bound);

        Assert.Equal(0, bandwidth.UserCount);
        Assert.Null(session.JoinBandwidth(bandwidth));
        Assert.Equal(0, bandwidth.UserCount);
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
