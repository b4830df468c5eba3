using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using OpenSag.Gateway.Tunnels;

namespace OpenSag.Gateway.Tests.Tunnels;

public sealed class WebSocketRelayTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task RunAsync_PeerClosesWithPolicyViolation_EndsBothDirectionsWithTheReason()
    {
        var (relayed, peer) = await LoopbackWebSockets.PairAsync(Timeout);
        var (socket, app) = await TcpPairAsync();
        using (relayed)
        using (peer)
        using (app)
        {
            var relay = WebSocketRelay.RunAsync(relayed, socket, null, null, WebSocketRelay.UnshapedChunkBytes, CancellationToken.None);

            await peer.CloseOutputAsync(WebSocketCloseStatus.PolicyViolation, "10.0.5.20:80 is now refused", CancellationToken.None).WaitAsync(Timeout);

            // The application never closes its side: only the peer's close can end the relay, and the app's connection.
            await relay.WaitAsync(Timeout);
            Assert.Equal(0, await ReceiveOrResetAsync(app));
            Assert.True(WebSocketRelay.EndedByPeer(relayed));
            Assert.Equal("10.0.5.20:80 is now refused", relayed.CloseStatusDescription);
        }
    }

    [Fact]
    public async Task RunAsync_PeerClosesNormally_HalfCloseKeepsTheOtherDirection()
    {
        var (relayed, peer) = await LoopbackWebSockets.PairAsync(Timeout);
        var (socket, app) = await TcpPairAsync();
        using (relayed)
        using (peer)
        using (app)
        {
            var relay = WebSocketRelay.RunAsync(relayed, socket, null, null, WebSocketRelay.UnshapedChunkBytes, CancellationToken.None);

            await peer.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).WaitAsync(Timeout);
            Assert.Equal(0, await ReceiveOrResetAsync(app));
            await app.SendAsync(new byte[] { 42 }, SocketFlags.None).WaitAsync(Timeout);

            var buffer = new byte[16];
            var received = await peer.ReceiveAsync(buffer, CancellationToken.None).WaitAsync(Timeout);
            Assert.Equal((WebSocketMessageType.Binary, 1, (byte)42), (received.MessageType, received.Count, buffer[0]));
            Assert.False(WebSocketRelay.EndedByPeer(relayed));
            Assert.False(relay.IsCompleted);

            app.Shutdown(SocketShutdown.Send);
            await relay.WaitAsync(Timeout);
        }
    }

    /// <summary>What the application's next receive returns: 0 at end of stream, and 0 for a reset too (either ends it).</summary>
    private static async Task<int> ReceiveOrResetAsync(Socket app)
    {
        try
        {
            return await app.ReceiveAsync(new byte[16], SocketFlags.None).WaitAsync(Timeout);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            return 0;
        }
    }

    private static async Task<(Socket Relayed, Socket App)> TcpPairAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var app = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var accepting = listener.AcceptAsync();
        await app.ConnectAsync(listener.LocalEndPoint!).WaitAsync(Timeout);
        return (await accepting.WaitAsync(Timeout), app);
    }
}
