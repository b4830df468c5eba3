using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using OpenSag.IntegrationTests.Gateway;
using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.Layer3;

/// <summary>
/// The layer-3 world of issue 11's tests, all in network namespaces of the test's own and addresses from
/// 198.18.0.0/15 (RFC 2544): client namespaces, gateway namespaces and one private network, joined by veth pairs.
/// <code>
///  client j (198.18.2j.2) ── 198.18.2j.1 ┐
///                                        gateway i (listens on 198.18.3i.1, its lo; ip_forward=1) ── 198.18.1i.1 ── 198.18.1i.2 private
///                                                                                                  (198.18.200.1 on its lo: UDP echo, TCP sink)
/// </code>
/// Client j belongs to gateway j mod N and has one route only: to its gateway's address. Gateway i routes the
/// private network (<see cref="PrivateNetwork"/>) to the private namespace and nothing else; serve adds its instances'
/// CidrBlocks on its TUN. The private namespace routes each gateway's share of <see cref="CidrBlock"/> back to that
/// gateway and knows no client link, so only packets whose source is a ClientIp get answers. Disposing stops every
/// process started here (clients, pings, servers), then deletes the namespaces.
/// </summary>
public sealed partial class Layer3Lab : IAsyncDisposable
{
    /// <summary>The private network the clients reach through the tunnel: serve's --tunnel-allow and so the pushed route.</summary>
    public const string PrivateNetwork = "198.18.200.0/24";

    /// <summary>The instance's client address space (inside 198.18.0.0/15, apart from every link).</summary>
    public const string CidrBlock = "198.19.64.0/24";

    /// <summary>The gateway's TUN interface name (15 characters at most).</summary>
    public const string GatewayTun = "osag-gw";

    /// <summary>The gateway's TLS and UDP port; fixed, since the namespace is the test's own.</summary>
    public const int GatewayPort = 8443;

    /// <summary>Bound on a ping run, on a TCP transfer and on waiting for a process to end.</summary>
    public static readonly TimeSpan TrafficTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The private network's host, where the UDP echo, the TCP sink and the ICMP recorder live.</summary>
    public static readonly IPAddress PrivateServerIp = IPAddress.Parse("198.18.200.1");

    private readonly List<NetworkNamespace> _namespaces = [];
    private readonly List<GatewayScenario> _gateways = [];
    private readonly List<ConnectProcess> _clients = [];
    private readonly List<Process> _processes = [];
    private readonly string _regionId = "cn-l3-" + Guid.NewGuid().ToString("N")[..8];

    private Layer3Lab()
    {
    }

    public NetworkNamespace Private { get; private set; } = null!;

    public IReadOnlyList<NetworkNamespace> GatewayNamespaces { get; private set; } = [];

    public IReadOnlyList<NetworkNamespace> ClientNamespaces { get; private set; } = [];

    /// <summary>Per client, the name of its end of the link to its gateway, in its own namespace.</summary>
    public IReadOnlyList<string> ClientLinks { get; private set; } = [];

    public PrivateUdpServer Udp { get; private set; } = null!;

    public PrivateTcpSink Tcp { get; private set; } = null!;

    public PrivateIcmpRecorder Icmp { get; private set; } = null!;

    /// <summary>Builds the namespaces and links for <paramref name="gateways"/> gateways and <paramref name="clients"/> clients, and starts the private servers.</summary>
    /// <param name="cidrBlockRoutes">Per gateway, the part of <see cref="CidrBlock"/> the private network routes to it (default: all of it, to gateway 0).</param>
    public static async Task<Layer3Lab> CreateAsync(int gateways = 1, int clients = 2, IReadOnlyList<string>? cidrBlockRoutes = null)
    {
        var lab = new Layer3Lab();
        try
        {
            await lab.BuildAsync(gateways, clients, cidrBlockRoutes ?? [CidrBlock]);
            return lab;
        }
        catch
        {
            await lab.DisposeAsync();
            throw;
        }
    }

    /// <summary>The address gateway <paramref name="gateway"/> listens on (TLS and UDP), on its namespace's lo.</summary>
    public static IPAddress GatewayIp(int gateway) => IPAddress.Parse(string.Create(CultureInfo.InvariantCulture, $"198.18.{30 + gateway}.1"));

    /// <summary>Client <paramref name="client"/>'s own address on its link to the gateway (not a ClientIp).</summary>
    public static IPAddress ClientLinkIp(int client) => IPAddress.Parse(string.Create(CultureInfo.InvariantCulture, $"198.18.{20 + client}.2"));

    /// <summary>
    /// Starts <c>opensag serve --tun</c> in gateway <paramref name="gateway"/>'s namespace with --tunnel-allow
    /// <see cref="PrivateNetwork"/> and <paramref name="extraArguments"/>; the scenario makes API calls into it.
    /// </summary>
    public async Task<GatewayScenario> StartGatewayAsync(int gateway = 0, params string[] extraArguments)
    {
        var listen = GatewayIp(gateway) + ":" + GatewayPort.ToString(CultureInfo.InvariantCulture);
        var server = await OpenSagServer.StartInNamespaceAsync(GatewayNamespaces[gateway], listen, null,
            ["--tun", GatewayTun, "--tunnel-allow", PrivateNetwork, .. extraArguments]).WaitAsync(OpenSagServer.StartTimeout * 2);
        return Adopt(server);
    }

    /// <summary>Makes the lab own a server someone else started (e.g. a cluster node with shared keys); its API calls use the lab's region.</summary>
    public GatewayScenario Adopt(OpenSagServer server)
    {
        var scenario = GatewayScenario.Around(server, _regionId);
        _gateways.Add(scenario);
        return scenario;
    }

    /// <summary>
    /// Starts <c>opensag connect --tun --transport <paramref name="transport"/> --no-dns</c> in client
    /// <paramref name="client"/>'s namespace to <paramref name="gateway"/> and waits for its "online:" line.
    /// </summary>
    public async Task<ConnectProcess> ConnectTunAsync(int client, GatewayScenario gateway, string smartAgId, string userName, string transport = "udp",
        params string[] extraArguments)
    {
        ArgumentNullException.ThrowIfNull(gateway);
        var process = ConnectProcess.Start(gateway.Server.GatewayAddress, gateway.Server.GatewayCertificatePath, smartAgId, userName, GatewayScenario.Password,
            inNamespace: ClientNamespaces[client], extraArguments: ["--tun", "--transport", transport, "--no-dns", .. extraArguments]);
        _clients.Add(process);
        await process.WaitOnlineAsync();
        return process;
    }

    /// <summary>A socket in client <paramref name="client"/>'s namespace: its packets to the private network go through the TUN.</summary>
    public Socket ClientSocket(int client, SocketType type, ProtocolType protocol) =>
        ClientNamespaces[client].CreateSocket(AddressFamily.InterNetwork, type, protocol);

    /// <summary>
    /// Runs <c>ping -c 1 -W 5 <see cref="PrivateServerIp"/></c> <paramref name="count"/> times, one after the other, in
    /// client <paramref name="client"/>'s namespace; returns how many requests were sent and answered, and the outputs.
    /// </summary>
    /// <remarks>
    /// One request per ping because only then does <c>-W</c> bound the wait for its reply: once some reply has come,
    /// iputils' ping waits only twice the slowest round trip so far after its last request (its -W "affects only
    /// timeout in absence of any responses"), so <c>-c 5 -i 0.01</c> on a loaded machine reported a last reply
    /// taking longer than that (under 50 ms) as lost, though it was only late.
    /// </remarks>
    public async Task<(int Sent, int Received, string Output)> PingAsync(int client, int count)
    {
        var (sent, received, output) = (0, 0, new StringBuilder());
        for (var i = 0; i < count; i++)
        {
            var result = await ClientNamespaces[client].RunAsync(new Dictionary<string, string?>(), "ping", "-n", "-c", "1", "-W", "5", PrivateServerIp.ToString());
            output.Append(result).Append('\n');
            var summary = PingSummary().Match(result.Stdout);
            if (summary.Success)
            {
                sent += int.Parse(summary.Groups["sent"].Value, CultureInfo.InvariantCulture);
                received += int.Parse(summary.Groups["received"].Value, CultureInfo.InvariantCulture);
            }
        }

        return (sent, received, output.ToString());
    }

    /// <summary>Starts a ping every 10 ms from client <paramref name="client"/> to the private host, until disposal (or a kill).</summary>
    public Process StartContinuousPing(int client)
    {
        var start = new ProcessStartInfo("ping") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "-n", "-i", "0.01", PrivateServerIp.ToString() })
        {
            start.ArgumentList.Add(argument);
        }

        ClientNamespaces[client].Enter(start);
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start ping");
        _processes.Add(process);
        // Drained so a full pipe never stalls it; its output is not needed.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>For failure messages: what the private host received so far, by source, and what each process printed.</summary>
    public string Describe()
    {
        var udp = string.Join(", ", Udp.Arrivals.GroupBy(a => a.Source).Select(g => $"{g.Key} ×{g.Count()}"));
        var icmp = string.Join(", ", Icmp.Requests.GroupBy(s => s).Select(g => $"{g.Key} ×{g.Count()}"));
        var clients = string.Join("\n", _clients.Select(c => $"--- {c} ---\n{c.Output}"));
        var gateways = string.Join("\n", _gateways.Select(g => $"--- {g.Server} ---\n{g.Server.Output}"));
        return $"private host received UDP from [{udp}], pings from [{icmp}]\n{clients}\n{gateways}";
    }

    /// <summary>How many packets client <paramref name="client"/> has sent towards its gateway so far (its link's TX count).</summary>
    public async Task<long> ClientLinkSentPacketsAsync(int client)
    {
        var result = await ClientNamespaces[client].RunAsync(new Dictionary<string, string?>(), "ip", "-s", "-j", "link", "show", "dev", ClientLinks[client]);
        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = System.Text.Json.JsonDocument.Parse(result.Stdout);
        return json.RootElement[0].GetProperty("stats64").GetProperty("tx").GetProperty("packets").GetInt64();
    }

    /// <summary>Whether <paramref name="interfaceName"/> exists in client <paramref name="client"/>'s namespace.</summary>
    public async Task<bool> HasInterfaceAsync(int client, string interfaceName)
    {
        var result = await ClientNamespaces[client].RunAsync(new Dictionary<string, string?>(), "ip", "link", "show", "dev", interfaceName);
        return result.ExitCode == 0;
    }

    /// <summary>
    /// The plain routed path, no tunnel: each client routes the private network via its gateway and the private
    /// network routes the client links back. For checking the lab itself (and as the bench's ceiling).
    /// </summary>
    public async Task RouteWithoutTunnelAsync()
    {
        for (var client = 0; client < ClientNamespaces.Count; client++)
        {
            var gateway = client % GatewayNamespaces.Count;
            await ClientNamespaces[client].IpAsync("route", "add", PrivateNetwork, "via", Hop(20 + client, 1));
            await Private.IpAsync("route", "add", Subnet(20 + client), "via", Hop(10 + gateway, 1));
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            try
            {
                process.Kill();
                await process.WaitForExitAsync().WaitAsync(TrafficTimeout);
            }
            catch (InvalidOperationException)
            {
                // Never started or already gone.
            }
            finally
            {
                process.Dispose();
            }
        }

        foreach (var client in _clients)
        {
            await client.DisposeAsync();
        }

        foreach (var gateway in _gateways)
        {
            await gateway.DisposeAsync();
        }

        foreach (var server in new IAsyncDisposable?[] { Udp, Tcp, Icmp })
        {
            if (server is not null)
            {
                await server.DisposeAsync();
            }
        }

        foreach (var network in _namespaces)
        {
            await network.DisposeAsync();
        }
    }

    private async Task BuildAsync(int gateways, int clients, IReadOnlyList<string> cidrBlockRoutes)
    {
        Private = await AddNamespaceAsync("l3p");
        await Private.IpAsync("addr", "add", PrivateServerIp + "/32", "dev", "lo");
        var gatewayNamespaces = new List<NetworkNamespace>();
        for (var i = 0; i < gateways; i++)
        {
            var gateway = await AddNamespaceAsync("l3g");
            gatewayNamespaces.Add(gateway);
            await gateway.IpAsync("addr", "add", GatewayIp(i) + "/32", "dev", "lo");
            // Forwarding is on in the gateway's namespace only; the test never changes the host's sysctls.
            await gateway.SetSysctlAsync("net/ipv4/ip_forward", "1");
            await gateway.LinkAsync(Private, Hop(10 + i, 1) + "/24", Hop(10 + i, 2) + "/24");
            await gateway.IpAsync("route", "add", PrivateNetwork, "via", Hop(10 + i, 2));
            if (i < cidrBlockRoutes.Count)
            {
                await Private.IpAsync("route", "add", cidrBlockRoutes[i], "via", Hop(10 + i, 1));
            }
        }

        GatewayNamespaces = gatewayNamespaces;
        var clientNamespaces = new List<NetworkNamespace>();
        var clientLinks = new List<string>();
        for (var j = 0; j < clients; j++)
        {
            var client = await AddNamespaceAsync("l3c");
            clientNamespaces.Add(client);
            var gateway = gatewayNamespaces[j % gateways];
            var (_, clientEnd) = await gateway.LinkAsync(client, Hop(20 + j, 1) + "/24", Hop(20 + j, 2) + "/24");
            clientLinks.Add(clientEnd);
            await client.IpAsync("route", "add", GatewayIp(j % gateways) + "/32", "via", Hop(20 + j, 1));
        }

        ClientNamespaces = clientNamespaces;
        ClientLinks = clientLinks;
        Udp = new PrivateUdpServer(Private);
        Tcp = new PrivateTcpSink(Private);
        Icmp = new PrivateIcmpRecorder(Private);
    }

    private async Task<NetworkNamespace> AddNamespaceAsync(string purpose)
    {
        var network = await NetworkNamespace.CreateAsync(purpose);
        _namespaces.Add(network);
        return network;
    }

    private static string Hop(int thirdOctet, int host) => string.Create(CultureInfo.InvariantCulture, $"198.18.{thirdOctet}.{host}");

    private static string Subnet(int thirdOctet) => string.Create(CultureInfo.InvariantCulture, $"198.18.{thirdOctet}.0/24");

    [GeneratedRegex(@"(?<sent>\d+) packets transmitted, (?<received>\d+) received")]
    private static partial Regex PingSummary();
}
