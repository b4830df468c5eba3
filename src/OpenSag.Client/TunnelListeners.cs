using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using OpenSag.Gateway.Tunnels;

namespace OpenSag.Client;

/// <summary>Opens a tunnel for a destination on the current session (the session changes across reconnects).</summary>
public delegate Task<WebSocket> TunnelOpener(string destination, CancellationToken cancellationToken);

/// <summary>
/// The local side of tunnels: <c>--forward LHOST:LPORT=THOST:TPORT</c> listeners, each accepted connection
/// relayed to the fixed target, and a SOCKS5 listener (CONNECT, no authentication, RFC 1928) relayed to the
/// requested target. A refused or failed tunnel, or one the gateway ends, closes only that local connection, with one
/// line to <c>report</c>; <c>open</c> may wait for the session (<see cref="OnlineGate"/>), and a cancelled token (the client
/// exits) closes the connections still waiting at once, silently.
/// </summary>
public sealed class TunnelListeners(TunnelOpener open, Action<string> report)
{
    /// <summary>A listening socket on <paramref name="endpoint"/>, which no other socket may be listening on.</summary>
    /// <exception cref="SocketException">The port is in use (<see cref="SocketError.AddressAlreadyInUse"/>) or cannot be bound.</exception>
    /// <remarks>
    /// No <see cref="SocketOptionName.ReuseAddress"/>: on Linux .NET turns it into SO_REUSEADDR and SO_REUSEPORT,
    /// and SO_REUSEPORT lets a second process listen on the same port and take half of its connections. .NET
    /// already sets SO_REUSEADDR alone on every TCP socket it binds on Unix, which is what allows a restart while
    /// old connections are in TIME_WAIT.
    /// </remarks>
    public static Socket Listen(IPEndPoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var listener = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.Bind(endpoint);
            listener.Listen(512);
            return listener;
        }
        catch
        {
            listener.Dispose();
            throw;
        }
    }

    public Task ServeForwardAsync(Socket listener, string destination, CancellationToken cancellationToken) =>
        AcceptLoopAsync(listener, local => RelayAsync(local, destination, cancellationToken), cancellationToken);

    public Task ServeSocksAsync(Socket listener, CancellationToken cancellationToken) =>
        AcceptLoopAsync(listener, local => SocksAsync(local, cancellationToken), cancellationToken);

    private static async Task AcceptLoopAsync(Socket listener, Func<Socket, Task> handle, CancellationToken cancellationToken)
    {
        using var stopListening = cancellationToken.Register(listener.Dispose);
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket local;
            try
            {
                local = await listener.AcceptAsync(cancellationToken);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            local.NoDelay = true;
            _ = Task.Run(() => handle(local), CancellationToken.None);
        }
    }

    private async Task RelayAsync(Socket local, string destination, CancellationToken cancellationToken)
    {
        WebSocket tunnel;
        try
        {
            tunnel = await open(destination, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            local.Dispose();
            return;
        }
        catch (Exception e)
        {
            report(Failure(destination, e));
            local.Dispose();
            return;
        }

        await RelayUntilEndAsync(tunnel, local, destination, cancellationToken);
    }

    /// <summary>
    /// Relays until either side ends; a stream the gateway ended (e.g. an ACL change now refuses it) gets one line with
    /// its reason, worded as a refusal is, so a live stream never ends silently where a new one is refused loudly.
    /// </summary>
    private async Task RelayUntilEndAsync(WebSocket tunnel, Socket local, string destination, CancellationToken cancellationToken)
    {
        await WebSocketRelay.RunAsync(tunnel, local, null, null, WebSocketRelay.UnshapedChunkBytes, cancellationToken);
        if (WebSocketRelay.EndedByPeer(tunnel))
        {
            var reason = tunnel.CloseStatusDescription is { Length: > 0 } description
                ? description
                : $"the gateway ended it (WebSocket close status {(int)tunnel.CloseStatus.GetValueOrDefault()})";
            report($"tunnel to {destination} closed: {reason}");
        }
    }

    /// <summary>One wording for forwards and SOCKS alike: the gateway's refusal (policy, cap) or a failure to get there.</summary>
    private static string Failure(string destination, Exception e) =>
        e is TunnelRefusedException ? $"tunnel to {destination} refused: {e.Message}" : $"tunnel to {destination} failed: {e.Message}";

    private async Task SocksAsync(Socket local, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        string destination;
        try
        {
            destination = await Socks5Handshake.ReadConnectAsync(local, timeout.Token);
        }
        catch (Exception e) when (e is Socks5Handshake.Refused or SocketException or OperationCanceledException or IOException)
        {
            local.Dispose();
            return;
        }

        WebSocket tunnel;
        try
        {
            tunnel = await open(destination, cancellationToken);
        }
        catch (TunnelRefusedException e)
        {
            report(Failure(destination, e));
            await Socks5Handshake.ReplyAsync(local, e.Status == 403 ? Socks5Handshake.NotAllowed : Socks5Handshake.HostUnreachable, cancellationToken);
            local.Dispose();
            return;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            local.Dispose();
            return;
        }
        catch (Exception e)
        {
            report(Failure(destination, e));
            var status = e is NotOnlineException ? Socks5Handshake.NetworkUnreachable : Socks5Handshake.GeneralFailure;
            await Socks5Handshake.ReplyAsync(local, status, cancellationToken);
            local.Dispose();
            return;
        }

        await Socks5Handshake.ReplyAsync(local, Socks5Handshake.Succeeded, cancellationToken);
        await RelayUntilEndAsync(tunnel, local, destination, cancellationToken);
    }
}

/// <summary>The server side of a SOCKS5 CONNECT handshake (RFC 1928), no authentication.</summary>
internal static class Socks5Handshake
{
    public const byte Succeeded = 0x00;
    public const byte GeneralFailure = 0x01;
    public const byte NotAllowed = 0x02;
    public const byte NetworkUnreachable = 0x03;
    public const byte HostUnreachable = 0x04;

    public sealed class Refused(string message) : Exception(message);

    /// <summary>Reads greeting and request; answers the greeting; returns <c>host:port</c> of a CONNECT.</summary>
    public static async Task<string> ReadConnectAsync(Socket socket, CancellationToken cancellationToken)
    {
        var head = await ReadExactlyAsync(socket, 2, cancellationToken);
        if (head[0] != 5)
        {
            throw new Refused("not SOCKS5");
        }

        var methods = await ReadExactlyAsync(socket, head[1], cancellationToken);
        if (!methods.Contains((byte)0))
        {
            await socket.SendAsync(new byte[] { 5, 0xFF }, SocketFlags.None, cancellationToken);
            throw new Refused("no acceptable authentication method");
        }

        await socket.SendAsync(new byte[] { 5, 0 }, SocketFlags.None, cancellationToken);
        var request = await ReadExactlyAsync(socket, 4, cancellationToken);
        if (request[0] != 5 || request[1] != 1)
        {
            await ReplyAsync(socket, 0x07, cancellationToken); // command not supported
            throw new Refused("only CONNECT is supported");
        }

        string host = request[3] switch
        {
            1 => new IPAddress(await ReadExactlyAsync(socket, 4, cancellationToken)).ToString(),
            4 => "[" + new IPAddress(await ReadExactlyAsync(socket, 16, cancellationToken)) + "]",
            3 => Encoding.ASCII.GetString(await ReadExactlyAsync(socket, (await ReadExactlyAsync(socket, 1, cancellationToken))[0], cancellationToken)),
            _ => throw new Refused("unknown address type"),
        };
        var port = BinaryPrimitives.ReadUInt16BigEndian(await ReadExactlyAsync(socket, 2, cancellationToken));
        return $"{host}:{port}";
    }

    /// <summary>A reply with a zero bound address: clients use only the status.</summary>
    public static async Task ReplyAsync(Socket socket, byte status, CancellationToken cancellationToken)
    {
        try
        {
            await socket.SendAsync(new byte[] { 5, status, 0, 1, 0, 0, 0, 0, 0, 0 }, SocketFlags.None, cancellationToken);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }

    private static async Task<byte[]> ReadExactlyAsync(Socket socket, int count, CancellationToken cancellationToken)
    {
        var buffer = new byte[count];
        var read = 0;
        while (read < count)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, cancellationToken);
            if (n == 0)
            {
                throw new IOException("the SOCKS client closed the connection");
            }

            read += n;
        }

        return buffer;
    }
}
