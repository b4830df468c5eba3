using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using BenchmarkDotNet.Attributes;
using OpenSag.Gateway.Tunnels;

namespace OpenSag.Bench.Micro;

/// <summary>
/// The tunnel relay's loop (<see cref="WebSocketRelay"/>) moving 4 MiB from a WebSocket (64 KiB messages, as the load
/// benchmark sends) to a TCP socket, over loopback sockets in this process without TLS or HTTP/2: what the chunk size
/// costs per byte, and allocations per relayed stream.
/// </summary>
[MemoryDiagnoser]
public class RelayHotPaths
{
    private const int MessageBytes = 64 * 1024;
    private const int Messages = 64;
    private readonly byte[] _message = new byte[MessageBytes];

    [Params(16 * 1024, WebSocketRelay.UnshapedChunkBytes)]
    public int ChunkBytes { get; set; }

    [Benchmark]
    public async Task<long> RelayFourMiB()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(4);
        var (clientSide, serverSide) = await PairAsync(listener);
        var (relaySide, sinkSide) = await PairAsync(listener);
        using var client = WebSocket.CreateFromStream(new NetworkStream(clientSide, ownsSocket: true), new WebSocketCreationOptions { IsServer = false });
        using var server = WebSocket.CreateFromStream(new NetworkStream(serverSide, ownsSocket: true), new WebSocketCreationOptions { IsServer = true });
        var relay = WebSocketRelay.RunAsync(server, relaySide, null, null, ChunkBytes, CancellationToken.None);
        var drain = DrainAsync(sinkSide);
        for (var i = 0; i < Messages; i++)
        {
            await client.SendAsync(_message, WebSocketMessageType.Binary, endOfMessage: true, CancellationToken.None);
        }

        await client.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        var received = await drain;
        client.Abort();
        await relay;
        return received;
    }

    private static async Task<(Socket, Socket)> PairAsync(Socket listener)
    {
        var connecting = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var accepting = listener.AcceptAsync();
        await connecting.ConnectAsync(listener.LocalEndPoint!);
        return (connecting, await accepting);
    }

    /// <summary>Reads until the relay shuts down its send side (the WebSocket's close became the socket's FIN).</summary>
    private static async Task<long> DrainAsync(Socket socket)
    {
        using (socket)
        {
            var buffer = new byte[MessageBytes];
            long total = 0;
            int read;
            while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None)) > 0)
            {
                total += read;
            }

            return total;
        }
    }
}
