using System.CommandLine;
using OpenSag.Gateway;

namespace OpenSag.Cli.Serve;

/// <summary><c>opensag serve</c>: the options, checked up front so a bad one is a one-line error, not a stack trace.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "Folder for the SQLite database and everything else the server keeps.", DefaultValueFactory = _ => "./opensag-data" };
        var apiListen = new Option<string>("--api-listen") { Description = "HOST:PORT of the Smartag API (port 0 picks a free port).", DefaultValueFactory = _ => "127.0.0.1:8080" };
        var gatewayListen = new Option<string>("--gateway-listen") { Description = "HOST:PORT of the client gateway (TLS).", DefaultValueFactory = _ => "127.0.0.1:8443" };
        var logLevel = new Option<string>("--log-level") { Description = "Trace, Debug, Information, Warning or Error.", DefaultValueFactory = _ => "Information" };
        var tlsCert = new Option<string?>("--tls-cert") { Description = "PEM certificate for the gateway (default: self-signed, made on first start and kept in --data)." };
        var tlsKey = new Option<string?>("--tls-key") { Description = "PEM private key for --tls-cert (omit if the certificate file holds it)." };
        var tunnelAllow = new Option<string>("--tunnel-allow") { Description = "CIDR[,CIDR…] tunnels may reach.", DefaultValueFactory = _ => "10.0.0.0/8,172.16.0.0/12,192.168.0.0/16" };
        var keepalive = new Option<int>("--keepalive-seconds") { Description = "Control-channel keepalive: a client silent for half of it is pinged, one silent for 1.75 times it is dropped at the next quarter-interval tick (within twice it).", DefaultValueFactory = _ => 15, CustomParser = r => WholeNumberOption.Parse(r, 15) };
        var noShaping = new Option<bool>("--no-shaping") { Description = "Do not enforce users' Bandwidth (for measuring the relay itself)." };
        var store = new Option<string>("--store") { Description = "sqlite (embedded, in --data) or postgres (a database several nodes share; see --postgres).", DefaultValueFactory = _ => StoreChoice.Sqlite };
        store.AcceptOnlyFromAmong(StoreChoice.Sqlite, StoreChoice.Postgres);
        var postgres = new Option<string?>("--postgres") { Description = $"Npgsql connection string of the database for --store postgres (default: env {StoreChoice.PostgresVariable})." };
        var secretsKey = new Option<string?>("--secrets-key") { Description = $"32-byte key file that seals access-key secrets in the database (default: env {SecretsKeyFile.Variable}, else <data>/{SecretsKeyFile.DefaultFileName}, made on first start); every node on one PostgreSQL database needs the same." };
        var nodeId = new Option<string?>("--node-id") { Description = "This node's name in a cluster on --store postgres (default: host name and gateway port)." };
        var tun = new Option<string?>("--tun") { Description = "Turn on the layer-3 data path (a real VPN): create the TUN interface NAME and route every instance's CidrBlock to it. Needs CAP_NET_ADMIN and net.ipv4.ip_forward=1; the private network needs a route back to the CidrBlocks via this host." };
        var udpListen = new Option<string?>("--udp-listen") { Description = "HOST:PORT of the layer-3 data channel, UDP (default: --gateway-listen's host and port). Clients send to the host they dial with --gateway, at this port, so HOST must receive there (0.0.0.0 does). Needs --tun." };
        var clientRoutes = new Option<string?>("--client-routes") { Description = "CIDR[,CIDR…] pushed to --tun clients as routes through their interface (default: the --tunnel-allow networks). Needs --tun." };
        var maxConnections = new Option<int?>("--gateway-max-connections") { Description = "Most gateway connections held at once (default: the open-file limit less a reserve of 1024 for the API and the rest).", CustomParser = WholeNumberOption.ParseOptional };
        var maxPerAddress = new Option<int>("--gateway-max-connections-per-address") { Description = "Most gateway connections held at once from one source address (an IPv6 /64 counts as one); a client holds one for its control channel and one per open tunnelled stream.", DefaultValueFactory = _ => GatewayConnectionCaps.DefaultPerSource, CustomParser = r => WholeNumberOption.Parse(r, GatewayConnectionCaps.DefaultPerSource) };
        var clientIpSlice = new Option<string>("--client-ip-slice") { Description = "K/N: lease dynamic ClientIps only from the K-th of N equal slices of each instance's CidrBlock (N a power of two), one slice per node of a cluster, so the private network routes each slice to its node (one route per node) for replies to find the session's node.", DefaultValueFactory = _ => "1/1" };
        var clusterHeartbeat = new Option<int>("--cluster-heartbeat") { Description = "Seconds between a cluster node's heartbeats (--store postgres; give every node the same value). A node silent for 6 heartbeats counts as dead; one cut off from the database for 5 closes its sessions.", DefaultValueFactory = _ => 5, CustomParser = r => WholeNumberOption.Parse(r, 5) };
        var config = new OptionsFileOption("--config", "FILE of serve options, one 'name = value' a line with the options' names without -- (api-listen = 0.0.0.0:8080), # comments; the command line's options win.");
        var logFormat = new Option<string>("--log-format") { Description = "text (one escaped line per entry) or json (one JSON object per line, UTC timestamps).", DefaultValueFactory = _ => LogFormat.Text };
        logFormat.AcceptOnlyFromAmong(LogFormat.Text, LogFormat.Json);
        var consoleListen = new Option<string>("--console-listen") { Description = $"HOST:PORT of the web console (port 0 picks a free port), or {ConsoleListen.Off} for none. Off loopback it needs --console-tls-cert.", DefaultValueFactory = _ => ConsoleListen.Default };
        var consoleTlsCert = new Option<string?>("--console-tls-cert") { Description = "PEM certificate for the web console (HTTPS); required when --console-listen is not a loopback address." };
        var consoleTlsKey = new Option<string?>("--console-tls-key") { Description = "PEM private key for --console-tls-cert (omit if the certificate file holds it)." };
        var metricsListen = new Option<string?>("--metrics-listen") { Description = "HOST:PORT of a listener serving only GET /metrics (Prometheus text format); without it /metrics is on the console listener." };
        var command = new Command("serve", "Run the API and the gateway on the embedded SQLite store, or on a shared PostgreSQL database.")
        {
            data, apiListen, gatewayListen, logLevel, tlsCert, tlsKey, tunnelAllow, keepalive, noShaping, store, postgres, nodeId, secretsKey,
            maxConnections, maxPerAddress, clientIpSlice, clusterHeartbeat,
        };
        command.Options.Add(tun);
        command.Options.Add(udpListen);
        command.Options.Add(clientRoutes);
        command.Options.Add(config);
        command.Options.Add(logFormat);
        command.Options.Add(consoleListen);
        command.Options.Add(consoleTlsCert);
        command.Options.Add(consoleTlsKey);
        command.Options.Add(metricsListen);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var errors = new List<string>();
            if (!ListenAddress.TryParse(parse.GetValue(apiListen)!, out var api, out var apiError))
            {
                errors.Add("--api-listen: " + apiError);
            }

            if (!ListenAddress.TryParse(parse.GetValue(gatewayListen)!, out var gateway, out var gatewayError))
            {
                errors.Add("--gateway-listen: " + gatewayError);
            }

            if (!Enum.TryParse<Microsoft.Extensions.Logging.LogLevel>(parse.GetValue(logLevel), ignoreCase: true, out var level))
            {
                errors.Add($"--log-level: '{parse.GetValue(logLevel)}' is not a log level.");
            }

            var allowed = new List<System.Net.IPNetwork>();
            foreach (var cidr in parse.GetValue(tunnelAllow)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (System.Net.IPNetwork.TryParse(cidr, out var network))
                {
                    allowed.Add(network);
                }
                else
                {
                    errors.Add($"--tunnel-allow: '{cidr}' is not a CIDR block (for example 10.0.0.0/8).");
                }
            }

            ListenAddress? metrics = null;
            if (parse.GetValue(metricsListen) is { } metricsText && !ListenAddress.TryParse(metricsText, out metrics, out var metricsError))
            {
                errors.Add("--metrics-listen: " + metricsError);
            }

            var layer3 = Layer3Option.Parse(parse.GetValue(tun), parse.GetValue(udpListen), parse.GetValue(clientRoutes), gateway, allowed, errors);
            if (parse.GetValue(keepalive) is < 1 or > 3600)
            {
                errors.Add("--keepalive-seconds: give 1 to 3600.");
            }

            TlsFiles.CheckPair("--tls-cert", parse.GetValue(tlsCert), "--tls-key", parse.GetValue(tlsKey), errors);
            var console = ConsoleListen.Parse(parse.GetValue(consoleListen)!, parse.GetValue(consoleTlsCert), parse.GetValue(consoleTlsKey), errors);

            var secretsKeyPath = parse.GetValue(secretsKey) ?? (Environment.GetEnvironmentVariable(SecretsKeyFile.Variable) is { Length: > 0 } fromEnvironment ? fromEnvironment : null);
            if (secretsKeyPath is not null && !File.Exists(secretsKeyPath))
            {
                errors.Add($"--secrets-key: {secretsKeyPath} {MissingFile.Reason(secretsKeyPath)}.");
            }

            var storeChoice = StoreChoice.TryCreate(parse.GetValue(store)!, parse.GetValue(postgres), out var storeError);
            if (storeError is not null)
            {
                errors.Add(storeError);
            }

            var node = parse.GetValue(nodeId);
            if (node is not null && !NodeName.IsValid(node))
            {
                errors.Add($"--node-id: '{node}' is not a node name (1 to 64 letters, digits, '.', '-' or '_').");
            }

            if (parse.GetValue(maxConnections) is < 1)
            {
                errors.Add("--gateway-max-connections: give 1 or more.");
            }

            if (parse.GetValue(maxPerAddress) < 1)
            {
                errors.Add("--gateway-max-connections-per-address: give 1 or more.");
            }

            if (!Domain.ClientIpSlice.TryParse(parse.GetValue(clientIpSlice), out var slice, out var sliceError))
            {
                errors.Add("--client-ip-slice: " + sliceError);
            }

            if (parse.GetValue(clusterHeartbeat) < 1)
            {
                errors.Add("--cluster-heartbeat: give 1 or more seconds.");
            }

            if (errors.Count > 0)
            {
                foreach (var error in errors)
                {
                    await Console.Error.WriteLineAsync("opensag serve: " + error);
                }

                return ExitCodes.BadUsage;
            }

            var gatewayOptions = new GatewayOptions
            {
                TunnelAllow = allowed,
                Layer3 = layer3,
                KeepaliveInterval = TimeSpan.FromSeconds(parse.GetValue(keepalive)),
                Shaping = !parse.GetValue(noShaping),
                ClientIpSlice = slice,
            };
            var options = new ServerOptions(Path.GetFullPath(parse.GetValue(data)!), storeChoice!, api, gateway, level, gatewayOptions, parse.GetValue(tlsCert), parse.GetValue(tlsKey))
            {
                NodeId = node ?? NodeName.Default(gateway!.Port),
                SecretsKey = secretsKeyPath is null ? null : Path.GetFullPath(secretsKeyPath),
                GatewayMaxConnections = parse.GetValue(maxConnections),
                GatewayMaxConnectionsPerAddress = parse.GetValue(maxPerAddress),
                ClusterHeartbeat = TimeSpan.FromSeconds(parse.GetValue(clusterHeartbeat)),
                LogFormat = parse.GetValue(logFormat)!,
                Console = console,
                MetricsListen = metrics,
            };
            return await OpenSagServer.RunAsync(options, cancellationToken);
        });
        return command;
    }
}

internal sealed record ServerOptions(
    string DataDirectory,
    StoreChoice Store,
    ListenAddress ApiListen,
    ListenAddress GatewayListen,
    Microsoft.Extensions.Logging.LogLevel LogLevel,
    GatewayOptions Gateway,
    string? TlsCertificate,
    string? TlsKey)
{
    /// <summary>This node's name in the cluster's tables; only used on a shared PostgreSQL database.</summary>
    public string NodeId { get; init; } = NodeName.Default(0);

    /// <summary>The key file sealing access-key secrets, or null for <c>&lt;data&gt;/secrets.key</c> (<see cref="SecretsKeyFile"/>).</summary>
    public string? SecretsKey { get; init; }

    /// <summary>Most gateway connections at once; null derives it from the open-file limit (<see cref="GatewayConnectionCaps.DefaultTotal"/>).</summary>
    public int? GatewayMaxConnections { get; init; }

    /// <summary>Most gateway connections at once from one source address.</summary>
    public int GatewayMaxConnectionsPerAddress { get; init; } = GatewayConnectionCaps.DefaultPerSource;

    /// <summary>A cluster node's heartbeat interval; the node timeout is six of them (<c>ClusterOptions</c>).</summary>
    public TimeSpan ClusterHeartbeat { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The listener that serves only <c>/metrics</c>, or null to serve it on the console listener.</summary>
    public ListenAddress? MetricsListen { get; init; }

    /// <summary><see cref="Serve.LogFormat.Text"/> or <see cref="Serve.LogFormat.Json"/>: how log entries and start-up lines are written to stdout.</summary>
    public string LogFormat { get; init; } = Serve.LogFormat.Text;

    /// <summary>The web console's listener and certificate; null when <c>--console-listen off</c>.</summary>
    public ConsoleListen? Console { get; init; }
}

internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int BadUsage = 2;
}
