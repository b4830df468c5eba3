using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.Gateway;

/// <summary>
/// <c>opensag serve --tun</c> in a gateway namespace of the test's own, joined by veth pairs to a client namespace and to
/// a private-network namespace (addresses from 198.18.0.0/15, RFC 2544), with a data-channel client written in the test
/// (<see cref="DataChannelTestClient"/>), so every datagram can be chosen: sealed, forged, replayed, malformed, spoofed.
/// </summary>
public sealed class Layer3GatewayTests
{
    private const string GatewayOnClientSide = "198.18.10.1";
    private const string ClientAddress = "198.18.10.2";
    private const string GatewayOnPrivateSide = "198.18.20.1";
    private const string PrivateServer = "198.18.20.2";
    private const string ClientBlock = "198.18.100.0/24";
    private const int EchoPort = 9000;
    private const string TunName = "osagt0";

    [NetworkNamespaceFact]
    public async Task ServeTun_SealedPacketsAndBadDatagrams_ForwardedOrDroppedAndCountedWhileTheSessionStaysUp()
    {
        await using var lab = await Lab.StartAsync();
        await using var client = await lab.LoginAsync();
        using var listener = await lab.PrivateUdpAsync();

        // The block, made after the server started, was routed to the TUN before the session went online.
        var routes = await lab.Gateway.RunAsync(new Dictionary<string, string?>(), "ip", "route", "show", "dev", TunName);
        Assert.Contains(ClientBlock, routes.Stdout, StringComparison.Ordinal);

        // A keepalive is answered with one: UDP works both ways.
        await client.SendDatagramAsync(client.Seal([]));
        Assert.Empty(await client.ReceivePacketAsync());

        // A sealed packet reaches the private network from exactly the session's ClientIp, and the reply comes back.
        var first = Datagram(client, client.ClientIp, "hello");
        await client.SendDatagramAsync(first);
        var (payload, from) = await ReceiveAsync(listener);
        Assert.Equal("hello", payload);
        Assert.Equal(client.ClientIp, from.Address);
        await listener.SendToAsync(Encoding.ASCII.GetBytes("back"), from);
        var reply = await client.ReceivePacketAsync();
        Assert.Equal("back", Encoding.ASCII.GetString(reply.AsSpan(28)));

        // Malformed, replayed, forged, unknown index, spoofed source: each dropped; then a good one still goes through.
        var forged = Datagram(client, client.ClientIp, "forged");
        forged[^1] ^= 0x01;
        var unknown = Datagram(client, client.ClientIp, "unknown");
        unknown[4] ^= 0xFF;
        await client.SendDatagramAsync(first[..20]);
        await client.SendDatagramAsync(first);
        await client.SendDatagramAsync(forged);
        await client.SendDatagramAsync(unknown);
        await client.SendDatagramAsync(Datagram(client, IPAddress.Parse("198.18.100.250"), "spoofed"));
        await client.SendDatagramAsync(Datagram(client, client.ClientIp, "last"));
        (payload, _) = await ReceiveAsync(listener);
        Assert.Equal("last", payload);

        await client.LogoutAsync();
        var closed = await WaitForLineAsync(lab.Server, $"Session {client.Online.SessionId}", "closed");
        Assert.Contains("packets in 2 (", closed, StringComparison.Ordinal);
        Assert.Contains("dropped: forged 1, replayed 1, spoofed 1", closed, StringComparison.Ordinal);
        await WaitForLineAsync(lab.Server, "unknown receiver index");
        Assert.Equal(0, listener.Available);
    }

    [NetworkNamespaceFact]
    public async Task KickOutClients_DatagramSealedWithTheOldKeysAfterTheAnswer_NotForwarded()
    {
        await using var lab = await Lab.StartAsync();
        await using var client = await lab.LoginAsync();
        using var listener = await lab.PrivateUdpAsync();
        await client.SendDatagramAsync(Datagram(client, client.ClientIp, "before"));
        Assert.Equal("before", (await ReceiveAsync(listener)).Payload);

        await lab.SmartagAsync("KickOutClients", "--RegionId", lab.RegionId, "--SmartAGId", lab.SmartAgId, "--Username", Lab.UserName);
        await client.SendDatagramAsync(Datagram(client, client.ClientIp, "after"));

        // Processed, and dropped as a datagram of no session (the one line it logs), not forwarded.
        await WaitForLineAsync(lab.Server, "unknown receiver index");
        Assert.Equal(0, listener.Available);
        Assert.Equal("kicked-out", await client.Closing.WaitAsync(DataChannelTestClient.Timeout));
    }

    [NetworkNamespaceFact]
    public async Task PacketsWebSocket_PacketsBothWaysOverTls_ThroughTheSameChecks()
    {
        await using var lab = await Lab.StartAsync();
        await using var client = await lab.LoginAsync();
        using var listener = await lab.PrivateUdpAsync();
        using var packets = await client.OpenPacketsAsync();
        using var timeout = new CancellationTokenSource(DataChannelTestClient.Timeout);

        await packets.SendAsync(Packet(IPAddress.Parse("198.18.100.251"), "spoofed"), System.Net.WebSockets.WebSocketMessageType.Binary, true, timeout.Token);
        await packets.SendAsync(Packet(client.ClientIp, "over tls"), System.Net.WebSockets.WebSocketMessageType.Binary, true, timeout.Token);
        var (payload, from) = await ReceiveAsync(listener);
        Assert.Equal("over tls", payload);
        Assert.Equal(client.ClientIp, from.Address);

        // With the fallback attached, replies take it rather than UDP.
        await listener.SendToAsync(Encoding.ASCII.GetBytes("back over tls"), from);
        var reply = await DataChannelTestClient.ReceivePacketAsync(packets);
        Assert.Equal("back over tls", Encoding.ASCII.GetString(reply.AsSpan(28)));

        // A token that names no live session is refused, as for a tunnel.
        await client.LogoutAsync();
        var refused = await Assert.ThrowsAsync<System.Net.WebSockets.WebSocketException>(client.OpenPacketsAsync);
        Assert.Contains("401", refused.Message, StringComparison.Ordinal);
        var closed = await WaitForLineAsync(lab.Server, $"Session {client.Online.SessionId}", "closed");
        Assert.Contains("packets in 1 (", closed, StringComparison.Ordinal);
        Assert.Contains("out 1 (", closed, StringComparison.Ordinal);
        Assert.Contains("dropped: spoofed 1", closed, StringComparison.Ordinal);
    }

    [NetworkNamespaceFact]
    public async Task ServeTun_StartUpProblems_OneLineAndExit1()
    {
        await using var network = await NetworkNamespace.CreateAsync("l3start");
        await network.AddAddressAsync(GatewayOnClientSide + "/24");

        var forwardingOff = await ServeAsync(network);
        Assert.Equal(1, forwardingOff.ExitCode);
        Assert.Equal($"opensag serve: --tun {TunName}: IP forwarding is off in this network namespace; turn it on with: sysctl -w net.ipv4.ip_forward=1", Assert.Single(forwardingOff.ErrorLines));

        await network.RunAsync(new Dictionary<string, string?>(), "sysctl", "-w", "net.ipv4.ip_forward=1");
        using (var taken = network.CreateSocket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
        {
            taken.Bind(new IPEndPoint(IPAddress.Parse(GatewayOnClientSide), 0));
            var port = ((IPEndPoint)taken.LocalEndPoint!).Port;
            var portTaken = await ServeAsync(network, "--udp-listen", $"{GatewayOnClientSide}:{port}");
            Assert.Equal(1, portTaken.ExitCode);
            Assert.Contains($"--udp-listen {GatewayOnClientSide}:{port}: UDP port {port} is already in use", Assert.Single(portTaken.ErrorLines), StringComparison.Ordinal);
        }

        await network.IpAsync("tuntap", "add", "dev", TunName, "mode", "tun");
        var nameInUse = await ServeAsync(network);
        Assert.Equal(1, nameInUse.ExitCode);
        Assert.StartsWith($"opensag serve: --tun {TunName}: ", Assert.Single(nameInUse.ErrorLines), StringComparison.Ordinal);

        var withoutCapability = await network.RunAsync(new Dictionary<string, string?>(), "setpriv",
            ["--inh-caps=-net_admin", "--bounding-set=-net_admin", "--", RepositoryLayout.DotnetHost, RepositoryLayout.ServerAssemblyPath, .. ServeArguments("osagt1")]);
        Assert.Equal(1, withoutCapability.ExitCode);
        Assert.Contains("CAP_NET_ADMIN", Assert.Single(withoutCapability.ErrorLines), StringComparison.Ordinal);

        var badName = await ServeAsync(network, "--tun", "no/slash");
        Assert.Equal(2, badName.ExitCode);
        Assert.StartsWith("opensag serve: --tun: ", Assert.Single(badName.ErrorLines), StringComparison.Ordinal);
    }

    /// <summary>Blocks that overlap were allowed without layer 3; with it every block is routed to one TUN.</summary>
    [NetworkNamespaceFact]
    public async Task ServeTun_OverlappingCidrBlocks_RefusedAtStartAndByTheApi()
    {
        await using var network = await NetworkNamespace.CreateAsync("l3overlap");
        await network.AddAddressAsync(GatewayOnClientSide + "/24");
        await network.RunAsync(new Dictionary<string, string?>(), "sysctl", "-w", "net.ipv4.ip_forward=1");
        var dataDir = Directory.CreateTempSubdirectory("opensag-it-").FullName;
        try
        {
            string first, second;
            await using (var withoutTun = await OpenSagServer.StartInNamespaceAsync(network, GatewayOnClientSide + ":0", dataDir))
            {
                first = await InstanceWithBlockAsync(network, withoutTun, "198.18.100.0/24");
                second = await InstanceWithBlockAsync(network, withoutTun, "198.18.100.128/25");
            }

            var refused = await network.RunAsync(new Dictionary<string, string?>(), RepositoryLayout.DotnetHost,
                [RepositoryLayout.ServerAssemblyPath, .. ServeArguments(TunName, "--data", dataDir)]);
            Assert.Equal(1, refused.ExitCode);
            Assert.Equal($"opensag serve: --tun {TunName}: the CidrBlocks of instances {first} (198.18.100.0/24) and {second} (198.18.100.128/25) overlap; "
                + "give one of them another block (ModifySmartAccessGateway) before turning layer 3 on.", Assert.Single(refused.ErrorLines));

            await using var withTun = await OpenSagServer.StartInNamespaceAsync(network, GatewayOnClientSide + ":0", null, "--tun", TunName);
            var third = await InstanceWithBlockAsync(network, withTun, "198.18.101.0/24");
            var fourth = await InstanceWithBlockAsync(network, withTun, "198.18.102.0/24");
            var ownBlock = await SmartagAsync(network, withTun, "ModifySmartAccessGateway", "--RegionId", "cn-l3", "--SmartAGId", third, "--CidrBlock", "198.18.101.0/25");
            Assert.True(ownBlock.ExitCode == 0, ownBlock.ToString());
            var modify = await SmartagAsync(network, withTun, "ModifySmartAccessGateway", "--RegionId", "cn-l3", "--SmartAGId", fourth, "--CidrBlock", "198.18.101.64/26");
            Assert.Equal(1, modify.ExitCode);
            Assert.Contains("CidrOverlap", modify.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    private static async Task<string> InstanceWithBlockAsync(NetworkNamespace network, OpenSagServer server, string block)
    {
        var created = await SmartagAsync(network, server, "CreateSmartAccessGatewaySoftware", "--RegionId", "cn-l3", "--ChargeType", "PREPAY",
            "--Period", "1", "--UserCount", "5", "--DataPlan", "5", "--AutoPay", "true");
        Assert.True(created.ExitCode == 0, created.ToString());
        using var document = JsonDocument.Parse(created.Stdout);
        var smartAgId = document.RootElement.GetProperty("SmartAGId").GetString()!;
        var modified = await SmartagAsync(network, server, "ModifySmartAccessGateway", "--RegionId", "cn-l3", "--SmartAGId", smartAgId, "--CidrBlock", block);
        Assert.True(modified.ExitCode == 0, modified.ToString());
        return smartAgId;
    }

    private static Task<OpensagCommand.Result> SmartagAsync(NetworkNamespace network, OpenSagServer server, params string[] arguments) =>
        network.RunAsync(new Dictionary<string, string?>
        {
            ["OPENSAG_ENDPOINT"] = server.Endpoint.ToString(),
            ["OPENSAG_ACCESS_KEY_ID"] = server.AccessKeyId,
            ["OPENSAG_ACCESS_KEY_SECRET"] = server.AccessKeySecret,
        }, RepositoryLayout.DotnetHost, [RepositoryLayout.ServerAssemblyPath, "smartag", .. arguments]);

    /// <summary>serve's arguments; a fresh data folder unless <paramref name="more"/> names one.</summary>
    private static string[] ServeArguments(string tun, params string[] more) =>
        ["serve", .. more.Contains("--data") ? Array.Empty<string>() : ["--data", Directory.CreateTempSubdirectory("opensag-it-").FullName],
            "--api-listen", "127.0.0.1:0", "--gateway-listen", GatewayOnClientSide + ":0", "--console-listen", "127.0.0.1:0", "--tun", tun, .. more];

    private static Task<OpensagCommand.Result> ServeAsync(NetworkNamespace network, params string[] more)
    {
        var arguments = more.Length > 0 && more[0] == "--tun" ? ServeArguments(more[1], more[2..]) : ServeArguments(TunName, more);
        // An argument given twice (--tun) is taken from its last occurrence.
        return network.RunAsync(new Dictionary<string, string?>(), RepositoryLayout.DotnetHost, [RepositoryLayout.ServerAssemblyPath, .. arguments]);
    }

    /// <summary>The first line of the server's output holding every one of <paramref name="parts"/>, awaited (bounded).</summary>
    private static async Task<string> WaitForLineAsync(OpenSagServer server, params string[] parts)
    {
        bool Matches(string line) => parts.All(p => line.Contains(p, StringComparison.Ordinal));
        var output = await Polling.UntilAsync(() => Task.FromResult(server.Output), o => o.Split('\n').Any(Matches),
            OpenSagServer.StartTimeout, "a line with " + string.Join(" and ", parts));
        return output.Split('\n').First(Matches);
    }

    private static byte[] Datagram(DataChannelTestClient client, IPAddress source, string payload) => client.Seal(Packet(source, payload));

    private static byte[] Packet(IPAddress source, string payload) =>
        DataChannelTestClient.UdpPacket(source, IPAddress.Parse(PrivateServer), 5555, EchoPort, Encoding.ASCII.GetBytes(payload));

    private static async Task<(string Payload, IPEndPoint From)> ReceiveAsync(Socket listener)
    {
        var buffer = new byte[2048];
        using var timeout = new CancellationTokenSource(DataChannelTestClient.Timeout);
        var received = await listener.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), timeout.Token);
        return (Encoding.ASCII.GetString(buffer, 0, received.ReceivedBytes), (IPEndPoint)received.RemoteEndPoint);
    }

    /// <summary>Client, gateway and private-network namespaces, serve --tun in the gateway's, one instance and one user.</summary>
    private sealed class Lab : IAsyncDisposable
    {
        public const string UserName = "tunuser01";

        private readonly List<IAsyncDisposable> _owned = [];

        public NetworkNamespace Gateway { get; private set; } = null!;
        public NetworkNamespace Client { get; private set; } = null!;
        public NetworkNamespace Private { get; private set; } = null!;
        public OpenSagServer Server { get; private set; } = null!;
        public string RegionId { get; } = "cn-l3-" + Guid.NewGuid().ToString("N")[..8];
        public string SmartAgId { get; private set; } = "";

        public static async Task<Lab> StartAsync()
        {
            var lab = new Lab();
            try
            {
                lab.Gateway = await lab.OwnAsync(NetworkNamespace.CreateAsync("l3gw"));
                lab.Client = await lab.OwnAsync(NetworkNamespace.CreateAsync("l3cl"));
                lab.Private = await lab.OwnAsync(NetworkNamespace.CreateAsync("l3pv"));
                await Link(lab.Gateway, "gc", GatewayOnClientSide, lab.Client, "cg", ClientAddress);
                await Link(lab.Gateway, "gp", GatewayOnPrivateSide, lab.Private, "pg", PrivateServer);
                await lab.Private.IpAsync("route", "add", ClientBlock, "via", GatewayOnPrivateSide);
                var sysctl = await lab.Gateway.RunAsync(new Dictionary<string, string?>(), "sysctl", "-w", "net.ipv4.ip_forward=1");
                Assert.True(sysctl.ExitCode == 0, sysctl.ToString());
                lab.Server = await lab.OwnAsync(OpenSagServer.StartInNamespaceAsync(lab.Gateway, GatewayOnClientSide + ":0", null,
                    "--tun", TunName, "--tunnel-allow", "198.18.20.0/24", "--no-shaping"));
                Assert.Contains($"OpenSAG layer 3 on TUN {TunName}, data channel udp {GatewayOnClientSide}:", lab.Server.Output, StringComparison.Ordinal);
                var created = await lab.SmartagAsync("CreateSmartAccessGatewaySoftware", "--RegionId", lab.RegionId, "--ChargeType", "PREPAY",
                    "--Period", "1", "--UserCount", "5", "--DataPlan", "5", "--AutoPay", "true");
                lab.SmartAgId = created.GetProperty("SmartAGId").GetString()!;
                await lab.SmartagAsync("ModifySmartAccessGateway", "--RegionId", lab.RegionId, "--SmartAGId", lab.SmartAgId, "--CidrBlock", ClientBlock);
                await lab.SmartagAsync("CreateSmartAccessGatewayClientUser", "--RegionId", lab.RegionId, "--SmartAGId", lab.SmartAgId,
                    "--UserName", UserName, "--Password", GatewayScenario.Password, "--UserMail", UserName + "@example.com", "--Bandwidth", "2000");
                return lab;
            }
            catch
            {
                await lab.DisposeAsync();
                throw;
            }
        }

        public Task<DataChannelTestClient> LoginAsync() =>
            DataChannelTestClient.LoginAsync(Client, Server.GatewayAddress, Server.GatewayCertificatePath, SmartAgId, UserName, GatewayScenario.Password);

        /// <summary>A UDP socket of the private network's server, on <see cref="EchoPort"/>.</summary>
        public async Task<Socket> PrivateUdpAsync()
        {
            var socket = Private.CreateSocket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            socket.Bind(new IPEndPoint(IPAddress.Parse(PrivateServer), EchoPort));
            return socket;
        }

        public async Task<JsonElement> SmartagAsync(params string[] arguments)
        {
            var result = await Gateway.RunAsync(new Dictionary<string, string?>
            {
                ["OPENSAG_ENDPOINT"] = Server.Endpoint.ToString(),
                ["OPENSAG_ACCESS_KEY_ID"] = Server.AccessKeyId,
                ["OPENSAG_ACCESS_KEY_SECRET"] = Server.AccessKeySecret,
            }, RepositoryLayout.DotnetHost, [RepositoryLayout.ServerAssemblyPath, "smartag", .. arguments]);
            Assert.True(result.ExitCode == 0, $"{result}\n{Server.Output}");
            using var document = JsonDocument.Parse(result.Stdout);
            return document.RootElement.Clone();
        }

        public async ValueTask DisposeAsync()
        {
            // The server first (it lives in the gateway namespace), then the namespaces.
            for (var i = _owned.Count - 1; i >= 0; i--)
            {
                await _owned[i].DisposeAsync();
            }
        }

        private async Task<T> OwnAsync<T>(Task<T> creating)
            where T : IAsyncDisposable
        {
            var owned = await creating;
            _owned.Add(owned);
            return owned;
        }

        private static async Task Link(NetworkNamespace left, string leftName, string leftAddress, NetworkNamespace right, string rightName, string rightAddress)
        {
            await left.IpAsync("link", "add", leftName, "type", "veth", "peer", "name", rightName, "netns", right.Name);
            await left.IpAsync("addr", "add", leftAddress + "/24", "dev", leftName);
            await left.IpAsync("link", "set", leftName, "up");
            await right.IpAsync("addr", "add", rightAddress + "/24", "dev", rightName);
            await right.IpAsync("link", "set", rightName, "up");
        }
    }
}
