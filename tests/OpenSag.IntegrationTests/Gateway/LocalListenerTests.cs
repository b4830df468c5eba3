using System.Globalization;
using System.Net;
using System.Net.Sockets;
using OpenSag.Client;
using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.Gateway;

/// <summary>
/// The client's local listeners (<c>--forward</c>, <c>--socks</c>) own their port: a second listener on a port in
/// use is refused, instead of sharing it (SO_REUSEPORT) and taking part of its connections.
/// </summary>
public sealed class LocalListenerTests
{
    [Fact]
    public void Listen_PortHeldByAnotherTunnelListener_ThrowsAddressAlreadyInUse()
    {
        using var first = TunnelListeners.Listen(new IPEndPoint(IPAddress.Loopback, 0));
        var taken = (IPEndPoint)first.LocalEndPoint!;

        var refused = Assert.Throws<SocketException>(() => TunnelListeners.Listen(taken).Dispose());

        Assert.Equal(SocketError.AddressAlreadyInUse, refused.SocketErrorCode);
    }

    [Theory]
    [InlineData("--forward")]
    [InlineData("--socks")]
    public async Task Connect_LocalPortHeldByAnotherConnect_ExitsOneNamingThePort(string option)
    {
        // The first listener is what another `opensag connect` holds; the second is a real connect process.
        using var first = TunnelListeners.Listen(new IPEndPoint(IPAddress.Loopback, 0));
        var taken = $"127.0.0.1:{((IPEndPoint)first.LocalEndPoint!).Port.ToString(CultureInfo.InvariantCulture)}";
        var value = option == "--forward" ? taken + "=10.0.5.20:5432" : taken;

        var result = await OpensagCommand.RunAsync(new Dictionary<string, string?> { ["OPENSAG_PASSWORD"] = "Passw0rd_1" },
            "connect", "--gateway", "127.0.0.1:9", "--instance", "sag-x", "--user", "u", option, value);

        Assert.True(result.ExitCode == 1, result.ToString());
        var line = Assert.Single(result.ErrorLines);
        Assert.Equal($"opensag connect: cannot listen on {taken}: the port is in use (another opensag connect, or another program)", line);
    }
}
