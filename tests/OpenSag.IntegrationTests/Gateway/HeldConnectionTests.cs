using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Xunit.Abstractions;

namespace OpenSag.IntegrationTests.Gateway;

/// <summary>
/// Issue 14 fault 2: <c>opensag connect</c> listens before it is online (so a port in use fails at once), and a
/// local connection accepted before the first login, or while the client reconnects, waits for the session and is
/// then relayed, instead of being closed. The gateway is "not up yet" behind a <see cref="FaultyProxy"/> that
/// resets every new connection until restored.
/// </summary>
[Collection(SerialGatewayTests.Name)]
public sealed class HeldConnectionTests(ITestOutputHelper output)
{
    /// <summary>
    /// From restoring the gateway to the echo: the client's next attempt comes within its first backoff steps
    /// (≤ 1 s, then ≤ 2 s), a login over loopback takes well under a second, then one tunnel is opened.
    /// </summary>
    private static readonly TimeSpan EchoDeadline = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Connect_LocalConnectionsBeforeFirstLogin_WaitAndRelayOnceOnline()
    {
        await using var scenario = await GatewayScenario.StartAsync();
        var smartAgId = await scenario.CreateInstanceAsync();
        const string user = "olga-early";
        await scenario.CreateUserAsync(smartAgId, user);
        await using var proxy = new FaultyProxy(GatewayPort(scenario));
        proxy.Refuse();
        var client = scenario.Connect(smartAgId, user, [scenario.Echo.Destination], socks: true, gateway: proxy.Address);
        // The listeners are bound before the first login, whose failure this line reports.
        await client.WaitForErrorLineAsync("cannot reach the gateway", ConnectProcess.OnlineTimeout);

        // A program started right after `opensag connect`: it connects now, before the client is online.
        var payload = RandomNumberGenerator.GetBytes(1024);
        var forwarded = TunnelTraffic.RoundTripAsync(client.ForwardPorts[0], payload, EchoDeadline);
        var socks = Socks5Client.ConnectAsync(client.SocksPort!.Value, new IPEndPoint(IPAddress.Loopback, scenario.Echo.Port), EchoDeadline);
        var clock = Stopwatch.StartNew();
        proxy.Restore();

        var back = await EchoedAsync(forwarded, client);
        Assert.True(back.AsSpan().SequenceEqual(payload), $"the forward gave back {back.Length} of {payload.Length} bytes, or different ones.\n{client.Output}");
        var (reply, socket) = await socks;
        using (socket)
        {
            Assert.True(reply == Socks5Client.Succeeded, $"SOCKS5 CONNECT before login got reply {reply}.\n{client.Output}");
            var socksBack = await TunnelTraffic.RoundTripAsync(socket, payload, EchoDeadline);
            Assert.True(socksBack.AsSpan().SequenceEqual(payload), $"SOCKS5 gave back {socksBack.Length} of {payload.Length} bytes, or different ones.\n{client.Output}");
        }

        output.WriteLine($"echo {clock.Elapsed.TotalMilliseconds:0} ms after the gateway came up.\n{client.Output}");
        Assert.DoesNotContain("failed", client.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connect_LocalConnectionWhileReconnecting_WaitsForTheResumedSession()
    {
        await using var scenario = await GatewayScenario.StartAsync();
        var smartAgId = await scenario.CreateInstanceAsync();
        const string user = "piet-between";
        await scenario.CreateUserAsync(smartAgId, user);
        await using var proxy = new FaultyProxy(GatewayPort(scenario));
        var client = await scenario.ConnectOnlineAsync(smartAgId, user, [scenario.Echo.Destination], gateway: proxy.Address);

        proxy.Refuse();
        proxy.DropAll();
        // Offline: the session is lost and the first attempt to resume it failed.
        await client.WaitForErrorLineAsync("cannot reach the gateway", EchoDeadline);
        var payload = RandomNumberGenerator.GetBytes(1024);
        var forwarded = TunnelTraffic.RoundTripAsync(client.ForwardPorts[0], payload, EchoDeadline);
        proxy.Restore();

        var back = await EchoedAsync(forwarded, client);
        Assert.True(back.AsSpan().SequenceEqual(payload), $"the forward gave back {back.Length} of {payload.Length} bytes, or different ones.\n{client.Output}");
        await client.WaitOnlineAsync(occurrence: 2, timeout: EchoDeadline);
        output.WriteLine(client.Output);
    }

    /// <summary>
    /// A kick while the client is offline and a local connection waits: the resume is refused as kicked, the client
    /// exits 4, and the waiting connection is closed with it (not relayed, not left hanging until the hold limit).
    /// </summary>
    [Fact]
    public async Task Connect_KickedWhileAConnectionWaits_ExitsFourAndClosesIt()
    {
        await using var scenario = await GatewayScenario.StartAsync();
        var smartAgId = await scenario.CreateInstanceAsync();
        const string user = "quinn-waiting";
        await scenario.CreateUserAsync(smartAgId, user);
        await using var proxy = new FaultyProxy(GatewayPort(scenario));
        var client = await scenario.ConnectOnlineAsync(smartAgId, user, [scenario.Echo.Destination], gateway: proxy.Address);
        proxy.Refuse();
        proxy.DropAll();
        await client.WaitForErrorLineAsync("cannot reach the gateway", EchoDeadline);
        using var local = await TunnelTraffic.ConnectAsync(client.ForwardPorts[0]);
        await local.SendAsync(RandomNumberGenerator.GetBytes(64).AsMemory(), SocketFlags.None).AsTask().WaitAsync(EchoDeadline);

        await scenario.KickOutAsync(smartAgId, user);
        proxy.Restore();

        Assert.True(await client.WaitForExitAsync(EchoDeadline) == 4, $"the kicked client did not exit 4.\n{client.Output}");
        var clock = Stopwatch.StartNew();
        try
        {
            var read = await local.ReceiveAsync(new byte[64].AsMemory(), SocketFlags.None).AsTask().WaitAsync(EchoDeadline);
            Assert.True(read == 0, $"the waiting connection got {read} bytes from a kicked client.\n{client.Output}");
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
        }

        output.WriteLine($"closed {clock.Elapsed.TotalMilliseconds:0} ms after the client exited.\n{client.Output}");
    }

    /// <summary>The round trip's answer; a reset (what the client did before it held connections) fails with the client's output.</summary>
    private static async Task<byte[]> EchoedAsync(Task<byte[]> roundTrip, ConnectProcess client)
    {
        try
        {
            return await roundTrip;
        }
        catch (SocketException e)
        {
            throw new InvalidOperationException($"the local connection failed ({e.Message}) instead of waiting for the session.\n{client.Output}", e);
        }
    }

    private static int GatewayPort(GatewayScenario scenario) =>
        int.Parse(scenario.Server.GatewayAddress.AsSpan(scenario.Server.GatewayAddress.LastIndexOf(':') + 1), CultureInfo.InvariantCulture);
}
