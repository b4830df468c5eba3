using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace OpenSag.Bench;

/// <summary>
/// One way from the lab's client namespace to its private one: the gateway side (already running), how to start the
/// client side (null for the routed path, which has none) and the endpoints the client namespace uses for iperf3 and
/// the echo server (local forwards, or the private address itself).
/// </summary>
internal sealed class StreamPath(IPEndPoint iperf, IPEndPoint echo, Func<LabProcess>? startClient, int[] gatewayPids, Func<ValueTask> stop)
    : IAsyncDisposable
{
    public IPEndPoint Iperf { get; } = iperf;

    public IPEndPoint Echo { get; } = echo;

    public Func<LabProcess>? StartClient { get; } = startClient;

    /// <summary>The gateway side's processes; their children count too (sshd's per-connection ones).</summary>
    public int[] GatewayPids { get; } = gatewayPids;

    public ValueTask DisposeAsync() => stop();
}

/// <summary>
/// The stream paths compared by the <c>stream-path</c> scenario, each set up the way its own documentation shows, with
/// throw-away keys and configuration in a private work folder: routed (no tunnel), stunnel (TLS 1.3), OpenSSH
/// (<c>ssh -L</c>, AES-128-GCM) and OpenSAG (<c>opensag serve</c> and <c>opensag connect --forward</c>).
/// </summary>
internal static class StreamPaths
{
    public const int PrivateIperfPort = 5201;
    public const int PrivateEchoPort = 7007;
    private const int StunnelIperfPort = 8201;
    private const int StunnelEchoPort = 8007;
    private const int SshPort = 2222;
    private const int GatewayPort = 8443;
    private const string UserName = "streampath";

    // The same choice both TLS tunnels make: .NET's SslStream (OpenSSL's default TLS 1.3 order) negotiates AES-256-GCM
    // with the OpenSAG gateway, so stunnel offers the same suite first, AES-128-GCM (OpenSSH's cipher here) second.
    private const string TlsSuites = "TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256";

    private static readonly TimeSpan StartBudget = TimeSpan.FromSeconds(30);

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    /// <summary>The client namespace's local ports of the tunnel in <paramref name="slot"/> (1, 2, …): each tunnel has its
    /// own, so that all their client sides can run at once and the measurements can take turns between them.</summary>
    private static (IPEndPoint Iperf, IPEndPoint Echo) Local(int slot) =>
        (new(IPAddress.Loopback, 15201 + (10 * slot)), new(IPAddress.Loopback, 17007 + (10 * slot)));

    public static StreamPath Direct() =>
        new(new(NetworkLab.PrivateAddress, PrivateIperfPort), new(NetworkLab.PrivateAddress, PrivateEchoPort), null, [], () => ValueTask.CompletedTask);

    /// <summary>A self-signed ECDSA P-256 certificate naming the gateway's outer address, PEM, for stunnel and OpenSAG alike.</summary>
    public static (string Certificate, string Key) WriteCertificate(string work)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=opensag-bench-gateway", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(NetworkLab.GatewayOuter);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var certificateFile = Path.Combine(work, "gateway-cert.pem");
        var keyFile = Path.Combine(work, "gateway-key.pem");
        File.WriteAllText(certificateFile, certificate.ExportCertificatePem() + "\n");
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem() + "\n");
        return (certificateFile, keyFile);
    }

    public static async Task<StreamPath> StunnelAsync(NetworkLab lab, int slot, string work, string certificate, string key)
    {
        var (localIperf, localEcho) = Local(slot);
        var stunnel = Tools.Find("stunnel4") ?? Tools.Find("stunnel") ?? throw new InvalidOperationException("stunnel not found");
        var common = $"foreground = yes\npid =\ndebug = warning\nsslVersionMin = TLSv1.3\nciphersuites = {TlsSuites}\n";
        var serverConfig = Path.Combine(work, "stunnel-server.conf");
        await File.WriteAllTextAsync(serverConfig, common + $"cert = {certificate}\nkey = {key}\n"
            + Service("iperf", $"{NetworkLab.GatewayOuter}:{StunnelIperfPort}", $"{NetworkLab.PrivateAddress}:{PrivateIperfPort}")
            + Service("echo", $"{NetworkLab.GatewayOuter}:{StunnelEchoPort}", $"{NetworkLab.PrivateAddress}:{PrivateEchoPort}"));
        var clientConfig = Path.Combine(work, "stunnel-client.conf");
        await File.WriteAllTextAsync(clientConfig, common + $"client = yes\nverifyPeer = yes\nCAfile = {certificate}\n"
            + Service("iperf", localIperf.ToString(), $"{NetworkLab.GatewayOuter}:{StunnelIperfPort}")
            + Service("echo", localEcho.ToString(), $"{NetworkLab.GatewayOuter}:{StunnelEchoPort}"));
        var server = LabProcess.Start("stunnel (gateway)", [.. NetworkLab.In(lab.Gateway), stunnel, serverConfig]);
        await StreamPathProbes.WaitListeningAsync(server, StunnelEchoPort, StartBudget);
        return new(localIperf, localEcho, () => LabProcess.Start("stunnel (client)", [.. NetworkLab.In(lab.Client), stunnel, clientConfig]),
            [server.Pid], server.DisposeAsync);

        static string Service(string name, string accept, string connect) => $"[{name}]\naccept = {accept}\nconnect = {connect}\n";
    }

    public static async Task<StreamPath> OpenSshAsync(NetworkLab lab, int slot, string work)
    {
        var (localIperf, localEcho) = Local(slot);
        var sshd = Tools.Find("sshd") ?? throw new InvalidOperationException("sshd not found");
        var hostKey = Path.Combine(work, "ssh_host_ed25519_key");
        var clientKey = Path.Combine(work, "client_ed25519_key");
        foreach (var file in new[] { hostKey, clientKey })
        {
            var made = Tools.Run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "opensag-bench", "-f", file], TimeSpan.FromSeconds(30));
            if (made.ExitCode != 0)
            {
                throw new InvalidOperationException("ssh-keygen failed: " + made.Error);
            }
        }

        var authorized = Path.Combine(work, "authorized_keys");
        File.Copy(clientKey + ".pub", authorized);
        // sshd refuses to start without its privilege-separation folder, which only the service's unit usually makes.
        if (OperatingSystem.IsLinux() && !Directory.Exists("/run/sshd"))
        {
            Directory.CreateDirectory("/run/sshd", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }

        // -f /dev/null: none of the machine's sshd_config; everything this path needs is on the command line.
        var server = LabProcess.Start("sshd (gateway)",
        [
            .. NetworkLab.In(lab.Gateway), sshd, "-D", "-e", "-f", "/dev/null", "-o", $"ListenAddress={NetworkLab.GatewayOuter}:{SshPort}",
            "-o", $"HostKey={hostKey}", "-o", $"AuthorizedKeysFile={authorized}", "-o", "PidFile=none", "-o", "UsePAM=no",
            "-o", "StrictModes=no", "-o", "PasswordAuthentication=no", "-o", "KbdInteractiveAuthentication=no",
            "-o", "PermitRootLogin=prohibit-password", "-o", "AllowTcpForwarding=yes", "-o", "Ciphers=aes128-gcm@openssh.com", "-o", "LogLevel=ERROR",
        ]);
        await StreamPathProbes.WaitListeningAsync(server, SshPort, StartBudget);
        string[] client =
        [
            .. NetworkLab.In(lab.Client), "ssh", "-F", "/dev/null", "-n", "-N", "-T", "-i", clientKey, "-o", "IdentitiesOnly=yes",
            "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "GlobalKnownHostsFile=/dev/null", "-o", "BatchMode=yes",
            "-o", "ExitOnForwardFailure=yes", "-o", "LogLevel=ERROR", "-c", "aes128-gcm@openssh.com", "-p", Port(SshPort),
            "-L", $"{localIperf}:{NetworkLab.PrivateAddress}:{PrivateIperfPort}",
            "-L", $"{localEcho}:{NetworkLab.PrivateAddress}:{PrivateEchoPort}",
            $"{Environment.UserName}@{NetworkLab.GatewayOuter}",
        ];
        return new(localIperf, localEcho, () => LabProcess.Start("ssh (client)", client), [server.Pid], server.DisposeAsync);
    }

    /// <summary>A signed-API client for a server whose API listens on loopback port <paramref name="port"/> inside the
    /// lab's gateway namespace (its sockets are made there).</summary>
    public static ApiClient ApiIn(NetworkLab lab, int port) => new(port, 2, async (context, cancellationToken) =>
    {
        var socket = NetworkLab.NewSocket(lab.Gateway);
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, context.DnsEndPoint.Port), cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    });

    public static async Task<StreamPath> OpenSagAsync(NetworkLab lab, int slot, string work, string certificate, string key)
    {
        var (localIperf, localEcho) = Local(slot);
        // Unshaped: the largest Bandwidth the API allows (20,000 Kbit/s) would measure the user's cap, not the relay.
        var server = await ServerProcess.StartAsync(Path.Combine(work, "opensag-data"), NetworkLab.In(lab.Gateway),
        [
            "--api-listen", "127.0.0.1:0", "--gateway-listen", $"{NetworkLab.GatewayOuter}:{GatewayPort}", "--console-listen", "off", "--tunnel-allow", NetworkLab.PrivateNetwork,
            "--log-level", "Warning", "--tls-cert", certificate, "--tls-key", key,
        ], shaping: false);
        try
        {
            string instance;
            using (var api = ApiIn(lab, server.ApiPort))
            {
                instance = await api.CreateInstanceAsync(10);
                await api.CreateUserAsync(instance, UserName);
            }

            string[] client =
            [
                .. NetworkLab.In(lab.Client), "dotnet", ServerProcess.ServerDll(), "connect", "--gateway", $"{NetworkLab.GatewayOuter}:{GatewayPort}",
                "--ca-file", certificate, "--instance", instance, "--user", UserName,
                "--forward", $"{localIperf}={NetworkLab.PrivateAddress}:{PrivateIperfPort}",
                "--forward", $"{localEcho}={NetworkLab.PrivateAddress}:{PrivateEchoPort}",
            ];
            var environment = new Dictionary<string, string> { ["OPENSAG_PASSWORD"] = ApiClient.Password };
            return new(localIperf, localEcho, () => LabProcess.Start("opensag connect (client)", client, environment),
                [server.Pid], server.DisposeAsync);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }
}
