using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace OpenSag.Bench;

/// <summary>
/// The VPNs compared by the <c>layer3</c> scenario, each set up in the lab the way its own documentation shows, with
/// throw-away keys and configuration in the lab's private work folder: OpenVPN 2.6 (UDP, TLS mode, AES-256-GCM),
/// wireguard-go, ocserv with openconnect (DTLS, and TLS only), OpenSAG's layer 3 (UDP and TLS), and for reference the
/// routed path with no tunnel and OpenSAG's own stream forward.
/// </summary>
/// <remarks>
/// Addresses, all from 198.18.0.0/15 (RFC 2544) like the lab's: tunnel <c>k</c> carries iperf3 and ping to its own
/// target <c>198.18.3.(10+k)</c>, an address of the private namespace's loopback that only that tunnel routes from the
/// client namespace (a /32 route through its interface; the client has no other route to 198.18.3.0/24, so a tunnel
/// that is down cannot be measured by accident over the routed path). Its clients get addresses from
/// <c>198.18.(16+k).0/24</c>; the private namespace routes 198.18.16.0/20 back through the gateway namespace, which
/// routes each block into its tunnel's interface. Interface names carry the bench's process id (<c>osPIDgK</c> at the
/// gateway, <c>osPIDcK</c> at the client) and go with the namespaces.
/// </remarks>
internal static class Layer3Paths
{
    public const int OpenVpn = 0;
    public const int WireGuardGo = 1;
    public const int OcservDtls = 2;
    public const int OcservTls = 3;
    public const int OpenSagUdp = 4;
    public const int OpenSagTls = 5;
    private const int Tunnels = 6;
    private const string UserName = "layer3user";

    // wg-quick's default: 1500 − 20 IPv4 − 8 UDP − 32 WireGuard, rounded down to leave room for an IPv6 outer header.
    private const string WireGuardMtu = "1420";

    private static readonly TimeSpan StartBudget = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Command = TimeSpan.FromSeconds(10);

    /// <summary>The private-namespace address only tunnel <paramref name="k"/> reaches.</summary>
    public static IPAddress Target(int k) => IPAddress.Parse($"198.18.3.{10 + k}");

    private static string ClientBlock(int k) => $"198.18.{16 + k}.0/24";

    private static string GatewayDevice(int k) => $"os{Environment.ProcessId}g{k}";

    private static string ClientDevice(int k) => $"os{Environment.ProcessId}c{k}";

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    /// <summary>Gives every tunnel its target in the private namespace and the routes between them and the client blocks.</summary>
    public static void Prepare(NetworkLab lab)
    {
        for (var k = 0; k < Tunnels; k++)
        {
            NetworkLab.Ip("-n", lab.Private, "addr", "add", $"{Target(k)}/32", "dev", "lo");
        }

        NetworkLab.Ip("-n", lab.Private, "route", "add", "198.18.16.0/20", "via", NetworkLab.GatewayInner.ToString());
        NetworkLab.Ip("-n", lab.Gateway, "route", "add", "198.18.3.0/24", "via", NetworkLab.PrivateAddress.ToString());
    }

    public static Layer3Path Routed() =>
        new("routed (no tunnel)", new(NetworkLab.PrivateAddress, StreamPaths.PrivateIperfPort), [], [], () => ValueTask.CompletedTask);

    /// <summary>
    /// OpenVPN 2.6 over UDP in TLS mode as its manual's server/client example: certificates both ways, <c>topology
    /// subnet</c>, <c>dh none</c> (ECDHE), <c>data-ciphers AES-256-GCM</c> (2.6's default list starts with it), its default
    /// <c>tun-mtu 1500</c> with <c>mssfix</c>; the kernel's data-channel offload (ovpn-dco) is used if the kernel has it.
    /// </summary>
    public static async Task<Layer3Path> OpenVpnAsync(NetworkLab lab, Layer3Pki pki)
    {
        const int k = OpenVpn;
        var openvpn = Need("openvpn", "openvpn");
        var server = Path.Combine(lab.Work, "openvpn-server.conf");
        var client = Path.Combine(lab.Work, "openvpn-client.conf");
        var common = $"dev-type tun\nproto udp4\ndata-ciphers AES-256-GCM\nca {pki.Ca}\nverb 1\n";
        await File.WriteAllTextAsync(server, common + $"dev {GatewayDevice(k)}\nlocal {NetworkLab.GatewayOuter}\nport 1194\ntopology subnet\n"
            + $"server 198.18.{16 + k}.0 255.255.255.0\npush \"route {Target(k)} 255.255.255.255\"\n"
            + $"cert {pki.ServerCertificate}\nkey {pki.ServerKey}\ndh none\nkeepalive 10 60\n");
        await File.WriteAllTextAsync(client, common + $"client\ndev {ClientDevice(k)}\nremote {NetworkLab.GatewayOuter} 1194\nnobind\n"
            + $"cert {pki.ClientCertificate}\nkey {pki.ClientKey}\nremote-cert-tls server\n");
        var gateway = LabProcess.Start("openvpn (gateway)", [.. NetworkLab.In(lab.Gateway), openvpn, "--config", server]);
        return await ReadyAsync(lab, "OpenVPN 2.6 UDP", k, gateway,
            () => [LabProcess.Start("openvpn (client)", [.. NetworkLab.In(lab.Client), openvpn, "--config", client])]);
    }

    /// <summary>wireguard-go as its README sets it up: the userspace interface, keys and peer with <c>wg</c>, the address,
    /// MTU and route with <c>ip</c> (what <c>wg-quick</c> does).</summary>
    public static async Task<Layer3Path> WireGuardGoAsync(NetworkLab lab)
    {
        const int k = WireGuardGo;
        var wireguard = Need("wireguard-go", "wireguard-go");
        var wg = Need("wg", "wireguard-tools");
        var (gatewayKey, gatewayPublic) = WireGuardKey(lab.Work, wg, "gateway");
        var (clientKey, clientPublic) = WireGuardKey(lab.Work, wg, "client");
        var gateway = LabProcess.Start("wireguard-go (gateway)", [.. NetworkLab.In(lab.Gateway), wireguard, "-f", GatewayDevice(k)]);
        return await ReadyAsync(lab, "wireguard-go", k, gateway, () =>
        {
            WaitDevice(lab.Gateway, GatewayDevice(k), gateway);
            Run([.. NetworkLab.In(lab.Gateway), wg, "set", GatewayDevice(k), "listen-port", "51820", "private-key", gatewayKey,
                "peer", clientPublic, "allowed-ips", $"198.18.{16 + k}.2/32"]);
            NetworkLab.Ip("-n", lab.Gateway, "addr", "add", $"198.18.{16 + k}.1/24", "dev", GatewayDevice(k));
            NetworkLab.Ip("-n", lab.Gateway, "link", "set", GatewayDevice(k), "mtu", WireGuardMtu, "up");
            var client = LabProcess.Start("wireguard-go (client)", [.. NetworkLab.In(lab.Client), wireguard, "-f", ClientDevice(k)]);
            try
            {
                WaitDevice(lab.Client, ClientDevice(k), client);
                Run([.. NetworkLab.In(lab.Client), wg, "set", ClientDevice(k), "private-key", clientKey,
                    "peer", gatewayPublic, "endpoint", $"{NetworkLab.GatewayOuter}:51820", "allowed-ips", $"{Target(k)}/32"]);
                NetworkLab.Ip("-n", lab.Client, "addr", "add", $"198.18.{16 + k}.2/24", "dev", ClientDevice(k));
                NetworkLab.Ip("-n", lab.Client, "link", "set", ClientDevice(k), "mtu", WireGuardMtu, "up");
                NetworkLab.Ip("-n", lab.Client, "route", "add", $"{Target(k)}/32", "dev", ClientDevice(k));
                return [client];
            }
            catch
            {
                client.DisposeAsync().AsTask().GetAwaiter().GetResult();
                throw;
            }
        });
    }

    /// <summary>
    /// ocserv with openconnect (AnyConnect protocol), Debian's sample configuration cut to what the lab needs: a password
    /// user (plain auth), the same TLS priorities (TLS 1.2), DTLS on (<paramref name="dtls"/>) or the client told
    /// <c>--no-dtls</c>. Each arm has its own server, so each gateway figure is its own. openconnect configures its
    /// interface through a script of ours (address, MTU, the target's route), not vpnc-script, which would also rewrite the
    /// machine's /etc/resolv.conf.
    /// </summary>
    public static async Task<Layer3Path> OcservAsync(NetworkLab lab, Layer3Pki pki, bool dtls)
    {
        var k = dtls ? OcservDtls : OcservTls;
        var ocserv = Need("ocserv", "ocserv");
        var ocpasswd = Need("ocpasswd", "ocserv");
        var openconnect = Need("openconnect", "openconnect");
        var passwords = Path.Combine(lab.Work, $"ocserv-{k}.passwd");
        Run([ocpasswd, "-c", passwords, UserName], $"{ApiClient.Password}\n{ApiClient.Password}\n");
        var port = Port(4400 + k);
        var config = Path.Combine(lab.Work, $"ocserv-{k}.conf");
        // run-as-user root: the work folder is root's alone (mode 700); ocserv's privilege drop changes no figure.
        // isolate-workers off: its seccomp filter is not what is measured, and containers may refuse it.
        await File.WriteAllTextAsync(config, $"""
            auth = "plain[passwd={passwords}]"
            listen-host = {NetworkLab.GatewayOuter}
            tcp-port = {port}
            udp-port = {port}
            run-as-user = root
            run-as-group = root
            socket-file = {Path.Combine(lab.Work, $"ocserv-{k}.socket")}
            pid-file = {Path.Combine(lab.Work, $"ocserv-{k}.pid")}
            server-cert = {pki.ServerCertificate}
            server-key = {pki.ServerKey}
            isolate-workers = false
            max-clients = 16
            max-same-clients = 0
            max-ban-score = 0
            keepalive = 32400
            dpd = 90
            mobile-dpd = 1800
            switch-to-tcp-timeout = 25
            try-mtu-discovery = false
            tls-priorities = "NORMAL:%SERVER_PRECEDENCE:%COMPAT:-VERS-SSL3.0:-VERS-TLS1.0:-VERS-TLS1.1:-VERS-TLS1.3"
            auth-timeout = 240
            cookie-timeout = 300
            deny-roaming = false
            rekey-time = 172800
            rekey-method = ssl
            use-occtl = false
            log-level = 1
            device = {GatewayDevice(k)}
            predictable-ips = true
            ipv4-network = 198.18.{16 + k}.0
            ipv4-netmask = 255.255.255.0
            ping-leases = false
            route = {Target(k)}/32
            cisco-client-compat = true
            dtls-legacy = true

            """);
        var script = Path.Combine(lab.Work, $"openconnect-{k}.sh");
        await File.WriteAllTextAsync(script, $"""
            #!/bin/sh
            # openconnect's interface script: called with reason=connect once the tunnel is up.
            if [ "$reason" = connect ]; then
              ip link set dev "$TUNDEV" up mtu "$INTERNAL_IP4_MTU"
              ip addr add "$INTERNAL_IP4_ADDRESS/32" dev "$TUNDEV"
              ip route replace {Target(k)}/32 dev "$TUNDEV"
            fi
            exit 0

            """);
        if (OperatingSystem.IsLinux())
        {
            File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var gateway = LabProcess.Start($"ocserv {(dtls ? "DTLS" : "TLS")} (gateway)", [.. NetworkLab.In(lab.Gateway), ocserv, "-f", "-c", config]);
        return await ReadyAsync(lab, $"ocserv + openconnect {(dtls ? "DTLS" : "TLS only")}", k, gateway, () =>
        [
            LabProcess.Start("openconnect (client)",
            [
                .. NetworkLab.In(lab.Client), openconnect, "--protocol=anyconnect", "--user", UserName, "--passwd-on-stdin", "--non-inter",
                "--cafile", pki.Ca, "--interface", ClientDevice(k), "--script", script, .. dtls ? Array.Empty<string>() : ["--no-dtls"],
                $"https://{NetworkLab.GatewayOuter}:{port}",
            ], input: ApiClient.Password + "\n"),
        ]);
    }

    /// <summary>
    /// OpenSAG's layer 3: <c>opensag serve --tun</c> (its own server per transport, unshaped, its instance's CidrBlock the
    /// tunnel's client block, the target pushed as the only route) and <c>opensag connect --tun --transport udp|tls</c>.
    /// </summary>
    public static async Task<Layer3Path> OpenSagAsync(NetworkLab lab, Layer3Pki pki, bool udp)
    {
        var k = udp ? OpenSagUdp : OpenSagTls;
        var gatewayPort = Port(8450 + k);
        // Unshaped: the largest Bandwidth the API allows (20,000 Kbit/s) would measure the user's policer, not the path.
        var server = await ServerProcess.StartAsync(Path.Combine(lab.Work, $"opensag-layer3-{k}"), NetworkLab.In(lab.Gateway),
        [
            "--api-listen", "127.0.0.1:0", "--gateway-listen", $"{NetworkLab.GatewayOuter}:{gatewayPort}", "--console-listen", "off", "--tun", GatewayDevice(k),
            "--tunnel-allow", "198.18.3.0/24", "--client-routes", $"{Target(k)}/32",
            "--log-level", "Warning", "--tls-cert", pki.ServerCertificate, "--tls-key", pki.ServerKey,
        ], shaping: false);
        string instance;
        try
        {
            using var api = StreamPaths.ApiIn(lab, server.ApiPort);
            instance = await api.CreateInstanceAsync(10);
            await api.CallAsync("ModifySmartAccessGateway", ("RegionId", ApiClient.Region), ("SmartAGId", instance), ("CidrBlock", ClientBlock(k)));
            await api.CreateUserAsync(instance, UserName);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        var environment = new Dictionary<string, string> { ["OPENSAG_PASSWORD"] = ApiClient.Password };
        return await ReadyAsync(lab, $"OpenSAG layer 3 {(udp ? "UDP" : "TLS")}", k, [server.Pid], server.DisposeAsync, () =>
        [
            LabProcess.Start("opensag connect --tun (client)",
            [
                .. NetworkLab.In(lab.Client), "dotnet", ServerProcess.ServerDll(), "connect", "--gateway", $"{NetworkLab.GatewayOuter}:{gatewayPort}",
                "--ca-file", pki.Ca, "--instance", instance, "--user", UserName, "--tun", "--tun-name", ClientDevice(k),
                "--transport", udp ? "udp" : "tls", "--no-dns",
            ], environment),
        ]);
    }

    /// <summary>OpenSAG's stream forward (<c>connect --forward</c>) to the routed address, as the <c>stream-path</c>
    /// scenario runs it: the figure issue 11 asks the layer-3 path to be no worse than.</summary>
    public static async Task<Layer3Path> OpenSagForwardAsync(NetworkLab lab, Layer3Pki pki)
    {
        var path = await StreamPaths.OpenSagAsync(lab, 3, lab.Work, pki.ServerCertificate, pki.ServerKey);
        var client = path.StartClient!();
        var ready = Stopwatch.StartNew();
        while (!await StreamPathProbes.EchoesAsync(lab.Client, path.Echo))
        {
            if (client.HasExited || ready.Elapsed > StartBudget)
            {
                await client.DisposeAsync();
                await path.DisposeAsync();
                throw new InvalidOperationException("no echo through the forward: " + client.Tail());
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20));
        }

        return new("OpenSAG connect --forward", path.Iperf, [client], path.GatewayPids, path.DisposeAsync);
    }

    private static Task<Layer3Path> ReadyAsync(NetworkLab lab, string name, int k, LabProcess gateway, Func<LabProcess[]> startClient) =>
        ReadyAsync(lab, name, k, [gateway.Pid], gateway.DisposeAsync, startClient, gateway);

    /// <summary>
    /// Starts the client side and waits until a ping to tunnel <paramref name="k"/>'s target answers through it (at most
    /// <see cref="StartBudget"/>); on failure stops both sides and throws with what they said last.
    /// </summary>
    private static async Task<Layer3Path> ReadyAsync(NetworkLab lab, string name, int k, int[] gatewayPids, Func<ValueTask> stopGateway,
        Func<LabProcess[]> startClient, LabProcess? gateway = null)
    {
        LabProcess[] client = [];
        try
        {
            client = startClient();
            var ready = Stopwatch.StartNew();
            while (!await PingsAsync(lab.Client, Target(k)))
            {
                var ended = client.FirstOrDefault(p => p.HasExited) ?? (gateway is { HasExited: true } ? gateway : null);
                if (ended is not null && ended != gateway && gateway is not { HasExited: true } && ready.Elapsed <= StartBudget)
                {
                    // A client that found its server not yet listening (openconnect exits on "connection refused", and
                    // ocserv prints "listening" before it accepts) is started again while the server runs.
                    foreach (var p in client)
                    {
                        await p.DisposeAsync();
                    }

                    await Task.Delay(TimeSpan.FromMilliseconds(250));
                    client = startClient();
                    continue;
                }

                if (ended is not null || ready.Elapsed > StartBudget)
                {
                    throw new InvalidOperationException($"{name}: no ping through the tunnel after {ready.Elapsed.TotalSeconds:F0} s: "
                        + string.Join("; ", client.Append(gateway).OfType<LabProcess>().Select(p => p.Tail())));
                }

                await Task.Delay(TimeSpan.FromMilliseconds(100));
            }

            return new(name, new(Target(k), StreamPaths.PrivateIperfPort), client, gatewayPids, stopGateway);
        }
        catch
        {
            foreach (var p in client)
            {
                await p.DisposeAsync();
            }

            await stopGateway();
            throw;
        }
    }

    private static async Task<bool> PingsAsync(string ns, IPAddress target) =>
        (await Tools.RunAsync([.. NetworkLab.In(ns), "ping", "-n", "-q", "-c", "1", "-W", "1", target.ToString()], Command)).ExitCode == 0;

    private static string Need(string program, string package) =>
        Tools.Find(program) ?? throw new InvalidOperationException($"not installed: {program} (Debian: apt-get install {package}; bench/layer3.sh does)");

    private static (string KeyFile, string PublicKey) WireGuardKey(string work, string wg, string name)
    {
        var key = Run([wg, "genkey"]).Output.Trim();
        var file = Path.Combine(work, $"wireguard-{name}.key");
        File.WriteAllText(file, key + "\n");
        if (OperatingSystem.IsLinux())
        {
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        return (file, Run([wg, "pubkey"], key + "\n").Output.Trim());
    }

    /// <summary>Waits (at most 10 s) until wireguard-go has made its interface, which it does just after starting.</summary>
    private static void WaitDevice(string ns, string device, LabProcess process)
    {
        var start = Stopwatch.StartNew();
        while (Tools.Run(["ip", "-n", ns, "link", "show", "dev", device], Command).ExitCode != 0)
        {
            if (process.HasExited || start.Elapsed > Command)
            {
                throw new InvalidOperationException($"no interface {device}: {process.Tail()}");
            }

            Thread.Sleep(20);
        }
    }

    private static Tools.Ran Run(IReadOnlyList<string> command, string? input = null)
    {
        var ran = Tools.Run(command, Command, input);
        return ran.ExitCode == 0 ? ran : throw new InvalidOperationException($"'{ran.Command}' failed ({ran.ExitCode}): {ran.Error.Trim()}");
    }
}
