using System.Buffers.Binary;
using System.Net;
using System.Net.Http;
using System.Net.Security;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using OpenSag.Gateway.DataChannel;
using OpenSag.Gateway.Protocol;
using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.Gateway;

/// <summary>
/// A layer-3 client written in the test, in a client <see cref="NetworkNamespace"/>: logs in over the control channel
/// with <c>tun</c> (a raw WebSocket, so the test sees the offer as sent), then speaks the data channel by UDP with the
/// offered keys, and can send whatever bytes a test needs (forged, replayed, malformed datagrams).
/// </summary>
internal sealed class DataChannelTestClient : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private readonly ClientWebSocket _control;
    private readonly HttpMessageInvoker _invoker;
    private readonly Socket _udp;
    private readonly Task _reading;
    private readonly TaskCompletionSource<string> _closing = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private readonly string _gateway;

    private DataChannelTestClient(ClientWebSocket control, HttpMessageInvoker invoker, OnlineMessage online, Socket udp, string gateway)
    {
        _gateway = gateway;
        _control = control;
        _invoker = invoker;
        Online = online;
        Offer = online.DataChannel!;
        _udp = udp;
        Sealer = new PacketSealer(DataCiphers.TryParse(Offer.Cipher, out var cipher) ? cipher : throw new InvalidOperationException(Offer.Cipher), Convert.FromBase64String(Offer.KeyToGateway), Offer.GatewayIndex);
        Opener = new PacketOpener(cipher, Convert.FromBase64String(Offer.KeyToClient));
        ClientIp = IPAddress.Parse(online.ClientIp);
        _reading = ReadControlAsync();
    }

    public OnlineMessage Online { get; }

    public DataChannelOffer Offer { get; }

    public IPAddress ClientIp { get; }

    public PacketSealer Sealer { get; }

    public PacketOpener Opener { get; }

    /// <summary>The reason of the server's closing message, once one came.</summary>
    public Task<string> Closing => _closing.Task;

    /// <summary>Logs in from <paramref name="network"/> to the gateway at <paramref name="gateway"/> (HOST:PORT).</summary>
    /// <param name="certificatePath">The gateway's certificate (serve's gateway-cert.pem), pinned.</param>
    public static async Task<DataChannelTestClient> LoginAsync(NetworkNamespace network, string gateway, string certificatePath, string smartAgId, string userName, string password)
    {
        using var pinned = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(certificatePath));
        var pinnedHash = pinned.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256);
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = network.CreateSocket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    await socket.ConnectAsync(IPAddress.Parse(context.DnsEndPoint.Host), context.DnsEndPoint.Port, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
            // The test gateway's self-signed certificate, pinned by its exact bytes as connect --ca-file pins it.
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                    certificate is not null && certificate.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256) == pinnedHash,
            },
        };
        var invoker = new HttpMessageInvoker(handler);
        var control = new ClientWebSocket();
        control.Options.HttpVersion = HttpVersion.Version11;
        control.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        using var timeout = new CancellationTokenSource(Timeout);
        await control.ConnectAsync(new Uri($"wss://{gateway}{GatewayPaths.Control}"), invoker, timeout.Token);
        var login = new LoginRequest { SmartAGId = smartAgId, UserName = userName, Password = password, ClientVersion = "test", ClientOs = "linux", Tun = true };
        await control.SendAsync(JsonSerializer.SerializeToUtf8Bytes(login, ControlJson.Options), WebSocketMessageType.Text, true, timeout.Token);
        var answer = await ReceiveTextAsync(control, timeout.Token);
        var online = ControlJson.TypeOf(Encoding.UTF8.GetBytes(answer)) == "online"
            ? JsonSerializer.Deserialize<OnlineMessage>(answer, ControlJson.Options)!
            : throw new InvalidOperationException("login refused: " + answer);
        if (online.DataChannel is null)
        {
            throw new InvalidOperationException("online without a data channel: " + answer);
        }

        var udp = network.CreateSocket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        await udp.ConnectAsync(new IPEndPoint(IPAddress.Parse(gateway[..gateway.LastIndexOf(':')]), online.DataChannel.UdpPort), timeout.Token);
        return new DataChannelTestClient(control, invoker, online, udp, gateway);
    }

    /// <summary>Seals <paramref name="packet"/> (empty: a keepalive) with the session's key and returns the datagram, unsent.</summary>
    public byte[] Seal(ReadOnlySpan<byte> packet)
    {
        var datagram = new byte[packet.Length + TransportMessage.Overhead];
        Sealer.Seal(packet, datagram);
        return datagram;
    }

    public Task SendDatagramAsync(byte[] datagram) => _udp.SendAsync(datagram);

    /// <summary>The next datagram from the gateway, opened: its packet (empty for a keepalive).</summary>
    public async Task<byte[]> ReceivePacketAsync()
    {
        var buffer = new byte[65_536];
        using var timeout = new CancellationTokenSource(Timeout);
        var length = await _udp.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
        var packet = new byte[length];
        var result = Opener.Open(buffer.AsSpan(0, length), packet, out var opened);
        return result == OpenResult.Accepted ? packet[..opened] : throw new InvalidOperationException("the gateway's datagram did not open: " + result);
    }

    /// <summary>Opens the session's TLS fallback (<see cref="GatewayPaths.Packets"/>) with its token.</summary>
    public async Task<ClientWebSocket> OpenPacketsAsync()
    {
        var socket = new ClientWebSocket();
        socket.Options.HttpVersion = HttpVersion.Version11;
        socket.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        socket.Options.SetRequestHeader(TunnelHeaders.Authorization, "Bearer " + Online.Token);
        using var timeout = new CancellationTokenSource(Timeout);
        await socket.ConnectAsync(new Uri($"wss://{_gateway}{GatewayPaths.Packets}"), _invoker, timeout.Token);
        return socket;
    }

    /// <summary>The next packet on a TLS fallback (one binary message).</summary>
    public static async Task<byte[]> ReceivePacketAsync(WebSocket packets)
    {
        var buffer = new byte[65_536];
        var length = 0;
        using var timeout = new CancellationTokenSource(Timeout);
        ValueWebSocketReceiveResult result;
        do
        {
            result = await packets.ReceiveAsync(buffer.AsMemory(length), timeout.Token);
            length += result.Count;
        }
        while (!result.EndOfMessage);
        return result.MessageType == WebSocketMessageType.Binary ? buffer[..length] : throw new InvalidOperationException("not a packet: " + result.MessageType);
    }

    public async Task LogoutAsync()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        await _control.SendAsync(ControlJson.Logout.ToArray(), WebSocketMessageType.Text, true, timeout.Token);
        await _reading.WaitAsync(Timeout);
    }

    public async ValueTask DisposeAsync()
    {
        _control.Abort();
        await Task.WhenAny(_reading, Task.Delay(Timeout));
        _control.Dispose();
        _invoker.Dispose();
        _udp.Dispose();
        Sealer.Dispose();
        Opener.Dispose();
    }

    /// <summary>An IPv4/UDP packet with a valid header checksum (the kernel checks it) and no UDP checksum (0: none, RFC 768).</summary>
    public static byte[] UdpPacket(IPAddress source, IPAddress destination, int sourcePort, int destinationPort, ReadOnlySpan<byte> payload)
    {
        var packet = new byte[28 + payload.Length];
        packet[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)packet.Length);
        packet[8] = 64;
        packet[9] = 17;
        source.TryWriteBytes(packet.AsSpan(12), out _);
        destination.TryWriteBytes(packet.AsSpan(16), out _);
        uint sum = 0;
        for (var i = 0; i < 20; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(i));
        }

        while (sum > 0xFFFF)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(10), (ushort)~sum);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(20), (ushort)sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(22), (ushort)destinationPort);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(24), (ushort)(8 + payload.Length));
        payload.CopyTo(packet.AsSpan(28));
        return packet;
    }

    private async Task ReadControlAsync()
    {
        try
        {
            while (true)
            {
                var message = await ReceiveTextAsync(_control, CancellationToken.None);
                var type = ControlJson.TypeOf(Encoding.UTF8.GetBytes(message));
                if (type == "ping")
                {
                    await _control.SendAsync(ControlJson.Pong.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
                }
                else if (type == "closing")
                {
                    _closing.TrySetResult(JsonSerializer.Deserialize<ClosingMessage>(message, ControlJson.Options)!.Reason);
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException or EndOfStreamException)
        {
            _closing.TrySetResult("(closed without a reason)");
        }
    }

    private static async Task<string> ReceiveTextAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        var length = 0;
        ValueWebSocketReceiveResult result;
        do
        {
            result = await socket.ReceiveAsync(buffer.AsMemory(length), cancellationToken);
            length += result.Count;
        }
        while (!result.EndOfMessage);
        return result.MessageType == WebSocketMessageType.Close ? throw new EndOfStreamException("closed") : Encoding.UTF8.GetString(buffer, 0, length);
    }
}
