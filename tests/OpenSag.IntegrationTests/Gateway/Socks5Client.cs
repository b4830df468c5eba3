using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace OpenSag.IntegrationTests.Gateway;

/// <summary>The client side of a SOCKS5 CONNECT with no authentication (RFC 1928 §3–§6), written here so the test does not trust the code it tests.</summary>
public static class Socks5Client
{
    /// <summary>RFC 1928 §6 reply codes the tests look at.</summary>
    public const byte Succeeded = 0x00;
    public const byte NotAllowedByRuleset = 0x02;
    public const byte NetworkUnreachable = 0x03;

    /// <summary>
    /// Connects to the proxy and asks for <paramref name="destination"/>. Returns the reply code and the socket,
    /// which carries the tunnelled stream when the code is <see cref="Succeeded"/>.
    /// </summary>
    public static async Task<(byte Reply, Socket Socket)> ConnectAsync(int proxyPort, IPEndPoint destination, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var cancel = new CancellationTokenSource(timeout);
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, proxyPort), cancel.Token).AsTask().WaitAsync(timeout);

            // Greeting: version 5, one method, 0x00 "no authentication required".
            await socket.SendAsync(new byte[] { 5, 1, 0 }, SocketFlags.None, cancel.Token).AsTask().WaitAsync(timeout);
            var method = await ReadExactlyAsync(socket, 2, cancel.Token).WaitAsync(timeout);
            Assert.True(method[0] == 5 && method[1] == 0, $"the proxy chose method {method[0]}/{method[1]}, not 5/0 (no authentication)");

            // Request: version 5, CONNECT, reserved, IPv4 address, port (network order).
            var request = new byte[10];
            request[0] = 5;
            request[1] = 1;
            request[3] = 1;
            destination.Address.MapToIPv4().GetAddressBytes().CopyTo(request, 4);
            BinaryPrimitives.WriteUInt16BigEndian(request.AsSpan(8), (ushort)destination.Port);
            await socket.SendAsync(request, SocketFlags.None, cancel.Token).AsTask().WaitAsync(timeout);

            // Reply: version, code, reserved, address type, then the bound address; an IPv4 one is 4 + 2 bytes.
            var head = await ReadExactlyAsync(socket, 4, cancel.Token).WaitAsync(timeout);
            Assert.Equal(5, head[0]);
            var rest = head[3] switch
            {
                1 => 4 + 2,
                4 => 16 + 2,
                3 => (await ReadExactlyAsync(socket, 1, cancel.Token).WaitAsync(timeout))[0] + 2,
                _ => throw new InvalidDataException($"SOCKS5 reply with address type {head[3]}"),
            };
            await ReadExactlyAsync(socket, rest, cancel.Token).WaitAsync(timeout);
            return (head[1], socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static async Task<byte[]> ReadExactlyAsync(Socket socket, int count, CancellationToken cancellationToken)
    {
        var buffer = new byte[count];
        var total = 0;
        while (total < count)
        {
            var read = await socket.ReceiveAsync(buffer.AsMemory(total), SocketFlags.None, cancellationToken);
            if (read == 0)
            {
                throw new IOException($"the SOCKS5 proxy closed the connection after {total} of {count} bytes");
            }

            total += read;
        }

        return buffer;
    }
}
