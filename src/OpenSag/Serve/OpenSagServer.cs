using System.Globalization;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenSag.Api;
using OpenSag.Api.Protocol;
using OpenSag.Api.Status;
using OpenSag.Cli.Metrics;
using OpenSag.Cluster.Postgres;
using OpenSag.Gateway;
using OpenSag.Gateway.Packets;
using OpenSag.Gateway.Security;
using OpenSag.Security;
using OpenSag.Storage;
using OpenSag.WebConsole;

namespace OpenSag.Cli.Serve;

/// <summary>
/// Composes and runs the server process: data folder, store and migrations, root key, then Kestrel. Failures a
/// user can fix (unwritable folder, port in use, corrupt database) end with one line on stderr and exit 1.
/// </summary>
internal static class OpenSagServer
{
    public const string DatabaseFileName = "opensag.db";

    private const int ListenBacklog = 4096;
    private static readonly TimeSpan TlsHandshakeTimeout = TimeSpan.FromSeconds(30);

    public static async Task<int> RunAsync(ServerOptions options, CancellationToken cancellationToken)
    {
        IOpenSagStore? store = null;
        DataFolder? dataFolder = null;
        PacketPath? packets = null;
        var startup = new StartupLogGate();
        try
        {
            dataFolder = DataFolder.Open(options.DataDirectory);
            var openFiles = Posix.RaiseOpenFileLimit();
            store = options.Store.Open(options.DataDirectory, SecretsKeyFile.LoadOrCreate(options.DataDirectory, options.SecretsKey));
            await store.MigrateAsync(cancellationToken);
            var (rootKey, generated) = await RootCredentials.EnsureAsync(store, options.DataDirectory, cancellationToken);
            using var certificate = GatewayCertificate.LoadOrCreate(options.DataDirectory, options.TlsCertificate, options.TlsKey, options.GatewayListen.Address);
            var tokens = SessionTokens.LoadOrCreate(options.DataDirectory);
            using var consoleCertificate = options.Console?.TlsCertificate is { } consoleCert ? X509Certificate2.CreateFromPemFile(consoleCert, options.Console.TlsKey) : null;

            (int Total, int PerSource) caps = (options.GatewayMaxConnections ?? GatewayConnectionCaps.DefaultTotal(openFiles?.Soft), options.GatewayMaxConnectionsPerAddress);
            packets = await Layer3Start.OpenAsync(options.Gateway.Layer3, store, cancellationToken);
            // Kestrel updates each ListenOptions with the endpoint it bound (the real port when 0 was asked for).
            var listeners = new Dictionary<Listener, ListenOptions>();
            await using var app = Build(options, store, certificate, consoleCertificate, listeners, tokens, caps, startup, packets);
            await app.StartAsync(cancellationToken);
            await Layer3Start.RouteAsync(app.Services, options.Gateway.Layer3, cancellationToken);
            startup.Started();
            app.Logger.LogInformation("Open-file limit: soft {Soft}, hard {Hard}; gateway connections capped at {Total} in all, {PerSource} per source address.",
                openFiles?.Soft.ToString(CultureInfo.InvariantCulture) ?? "unknown", openFiles?.Hard.ToString(CultureInfo.InvariantCulture) ?? "unknown", caps.Total, caps.PerSource);
            GatewayCertificate.WarnIfListenAddressUnnamed(app.Logger, certificate, options.GatewayListen.Address, options.DataDirectory, operatorCertificate: options.TlsCertificate is not null);
            var (endpoint, gatewayEndpoint) = Endpoints(app);
            var status = app.Services.GetRequiredService<ServerStatus>();
            status.AddListener(ServerStatus.ApiListener, endpoint);
            status.AddListener(ServerStatus.GatewayListener, gatewayEndpoint);
            var consoleEndpoint = ConsoleEndpoint(listeners, options);
            if (consoleEndpoint is not null)
            {
                status.AddListener(ServerStatus.ConsoleListener, consoleEndpoint);
            }

            if (listeners.TryGetValue(Listener.Metrics, out var metricsListen))
            {
                status.AddListener(ServerStatus.MetricsListener, $"http://{metricsListen.IPEndPoint}");
            }

            if (packets is not null && OperatingSystem.IsLinux())
            {
                status.AddListener(ServerStatus.UdpListener, packets.UdpEndpoint.ToString());
            }

            dataFolder.Describe($"pid {Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}, API {endpoint}, gateway {gatewayEndpoint}");
            RootCredentials.WriteProfile(options.DataDirectory, rootKey, endpoint);
            void Announce(string line) => LogFormat.Announce(app.Logger, options.LogFormat, line);
            // systemd sets JOURNAL_STREAM when stdout or stderr is the journal (systemd.exec(5)), which keeps what it reads
            // as a log collector does, readable by the adm and systemd-journal groups: there too the secret is not printed.
            if (generated && (options.LogFormat == LogFormat.Json || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("JOURNAL_STREAM"))))
            {
                // A log collector keeps and forwards what it reads: the secret stays in the mode-600 profile only.
                Announce($"Generated the root access key {rootKey.AccessKeyId}; its secret is in {Path.Combine(options.DataDirectory, RootCredentials.ProfileFileName)} (not logged)");
            }
            else if (generated)
            {
                Console.WriteLine($"Generated the root access key (shown once; also in {Path.Combine(options.DataDirectory, RootCredentials.ProfileFileName)}):");
                Console.WriteLine($"  AccessKeyId:     {rootKey.AccessKeyId}");
                Console.WriteLine($"  AccessKeySecret: {rootKey.AccessKeySecret}");
            }

            if (packets is not null && OperatingSystem.IsLinux())
            {
                Announce(Layer3Start.Describe(packets, options.Gateway.Layer3!));
            }

            Announce($"OpenSAG gateway listening on {gatewayEndpoint} (TLS; certificate {Path.Combine(options.DataDirectory, GatewayCertificate.CertificateFileName)}, SHA-256 {GatewayCertificate.Fingerprint(certificate)})");
            if (consoleEndpoint is not null)
            {
                Announce($"OpenSAG console listening on {consoleEndpoint}");
            }

            if (MetricsUrl(listeners, options) is { } metrics)
            {
                Announce($"OpenSAG metrics listening on {metrics}");
            }

            Announce($"OpenSAG API listening on {endpoint}");
            if (options.Store.ClusterConnectionString is not null)
            {
                Announce($"OpenSAG cluster node {options.NodeId} on {options.Store.Location(options.DataDirectory)}");
            }

            await app.WaitForShutdownAsync(CancellationToken.None);
            return ExitCodes.Ok;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return ExitCodes.Ok;
        }
        catch (Exception e) when (Describe(e, options) is { } message)
        {
            await Console.Error.WriteLineAsync("opensag serve: " + message);
            return ExitCodes.Failed;
        }
        finally
        {
            if (store is not null)
            {
                await store.DisposeAsync();
            }

            if (OperatingSystem.IsLinux())
            {
                packets?.Dispose();
            }

            dataFolder?.Dispose();
        }
    }

    private static WebApplication Build(ServerOptions options, IOpenSagStore store, X509Certificate2 certificate, X509Certificate2? consoleCertificate, Dictionary<Listener, ListenOptions> listeners, SessionTokens tokens, (int Total, int PerSource) caps, StartupLogGate startup, PacketPath? packets)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = options.DataDirectory });
        builder.Logging.ClearProviders();
        LogFormat.AddConsole(builder.Logging, options.LogFormat);
        builder.Logging.SetMinimumLevel(options.LogLevel);
        // Kestrel and hosting narrate every request at Information; keep the log for our own events. Their errors while
        // starting are the exception StartAsync throws, which RunAsync reports in one line (or whole, if a bug).
        var frameworkLevel = options.LogLevel > LogLevel.Warning ? options.LogLevel : LogLevel.Warning;
        builder.Logging.AddFilter("Microsoft", level => level >= frameworkLevel && startup.Allows(level));
        var descriptors = new GatewayDescriptors(caps.Total);
        builder.Services.AddSingleton(descriptors);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = RpcRequest.MaxBodyBytes;
            kestrel.Listen(options.ApiListen.Address, options.ApiListen.Port, listen => listen.TagConnections(Listener.Api));
            // One TLS port for the control WebSocket and the tunnels, each a WebSocket over HTTP/1.1 on a connection of
            // its own; both refuse one over HTTP/2, which ALPN still offers (it answers anything else with 404).
            kestrel.Listen(options.GatewayListen.Address, options.GatewayListen.Port, listen =>
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                listen.CapConnections(descriptors, caps.PerSource);
                listen.TagConnections(Listener.Gateway);
                listen.UseHttps(new HttpsConnectionAdapterOptions { ServerCertificate = certificate, HandshakeTimeout = TlsHandshakeTimeout });
            });
            if (options.Console is { } console)
            {
                kestrel.Listen(console.Address.Address, console.Address.Port, listen =>
                {
                    listen.TagConnections(Listener.Console);
                    listeners[Listener.Console] = listen;
                    if (consoleCertificate is not null)
                    {
                        listen.UseHttps(new HttpsConnectionAdapterOptions { ServerCertificate = consoleCertificate, HandshakeTimeout = TlsHandshakeTimeout });
                    }
                });
            }

            if (options.MetricsListen is { } metrics)
            {
                kestrel.Listen(metrics.Address, metrics.Port, listen => listeners[Listener.Metrics] = listen.TagConnections(Listener.Metrics));
            }
        });
        // Every client of a restarted gateway comes back at once: 5,000 TLS handshakes queue on a 2-core machine
        // for longer than Kestrel's default 10 s and overflow its default 512-connection listen backlog. Both were
        // measured as failed connections in the login storm (bench/README.md); the kernel caps the backlog at
        // net.core.somaxconn.
        //
        // Inline scheduling runs what reads a connection's pipe on the thread that completed its socket read, instead
        // of handing each read to another thread-pool thread: for a tunnel, two wake-ups fewer per read (TLS, then the
        // WebSocket), measured as 230,000 sched_yield calls per 500 MB before and 83,000 after. "Unsafe" because
        // blocking code would hold up that connection's reads; socket completions still arrive on thread-pool threads
        // (we leave DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS off here), so no event-loop thread ever runs our code.
        builder.WebHost.UseSockets(sockets =>
        {
            sockets.Backlog = ListenBacklog;
            sockets.UnsafePreferInlineScheduling = true;
        });
        builder.Services.AddSingleton<IMemoryPoolFactory<byte>, RelayMemoryPool.Factory>();
        builder.Services.Configure<HostOptions>(h => h.ShutdownTimeout = TimeSpan.FromSeconds(10));
        builder.Services.AddSingleton(store);
        builder.Services.AddSingleton(new Sessions.LocalNode(options.NodeId));
        builder.Services.AddSingleton(new ServerStatus(ProductVersion, options.NodeId, options.Store.Describe(options.DataDirectory), TimeProvider.System));
        if (options.Store.ClusterConnectionString is { } cluster)
        {
            // Before the API and gateway, whose single-node defaults (in-process online list, nonce ledger,
            // address pool) then stand aside for the shared tables.
            builder.Services.AddPostgresCluster(new ClusterOptions(cluster, options.NodeId)
            {
                HeartbeatInterval = options.ClusterHeartbeat,
                NodeTimeout = options.ClusterHeartbeat * 6,
            });
        }

        if (options.Gateway.Layer3 is not null)
        {
            // Every block is routed to the one TUN and a ClientIp must name one session (SAG.CidrOverlap).
            builder.Services.AddSingleton(new Services.InstanceRules { DisjointCidrBlocks = true });
        }

        builder.Services.AddSmartagApi();
        builder.Services.AddGateway(options.Gateway, tokens, packets);
        if (options.Console is { } webConsole)
        {
            builder.Services.AddWebConsole(new ConsoleOptions(
                Path.Combine(options.DataDirectory, "console-keys"), webConsole.TlsCertificate is not null, Path.Combine(options.DataDirectory, "console-sessions")));
        }

        var servesMetrics = options.MetricsListen is not null || options.Console is not null;
        if (servesMetrics)
        {
            builder.Services.AddMetricsExport(ProductVersion, options.NodeId);
        }

        var app = builder.Build();
        // WebApplication adds the authentication and authorization middleware at the head of the whole pipeline when
        // their services are registered (the console's are), which would run the console's cookie handler on every API
        // call and gateway connection. The console's branch runs them itself (UseWebConsole); these keys are the ones
        // UseAuthentication and UseAuthorization set to say "already added".
        var pipeline = (IApplicationBuilder)app;
        pipeline.Properties["__AuthenticationMiddlewareSet"] = true;
        pipeline.Properties["__AuthorizationMiddlewareSet"] = true;
        if (servesMetrics)
        {
            MetricsEndpoint.Start(app.Services);
            // Before the console's branch: on the console listener only /metrics is taken here, the rest goes on to it.
            app.MapMetricsExport(ownListener: options.MetricsListen is not null);
        }

        // Each listener serves its own endpoints and nothing else, told apart by the tag its connections carry
        // (not by scheme or port). A request on no branch matches nothing and gets an empty 404.
        app.MapWhen(http => http.CameThrough(Listener.Gateway), gateway =>
        {
            gateway.UseWebSockets();
            gateway.UseRouting();
            gateway.UseEndpoints(endpoints => endpoints.MapGateway());
        });
        app.MapWhen(http => http.CameThrough(Listener.Api), api =>
        {
            api.Use(ApiLandingPage.ServeAsync);
            api.UseRouting();
            api.UseEndpoints(endpoints =>
            {
                endpoints.MapGet("/healthz", () => Results.Text("ok"));
                endpoints.MapSmartagApi();
            });
        });
        if (options.Console is not null)
        {
            app.MapWhen(http => http.CameThrough(Listener.Console), console => console.UseWebConsole());
        }

        return app;
    }

    /// <summary>The console's bound URL (with the real port when 0 was asked for); null when it is off.</summary>
    private static string? ConsoleEndpoint(Dictionary<Listener, ListenOptions> listeners, ServerOptions options) =>
        options.Console is { } console && listeners.TryGetValue(Listener.Console, out var listen)
            ? $"{console.Scheme}://{listen.IPEndPoint}"
            : null;

    /// <summary>The executable's informational version (<c>1.0.0+commit</c>), as <c>--version</c> prints it.</summary>
    private static string ProductVersion =>
        System.Reflection.CustomAttributeExtensions.GetCustomAttribute<System.Reflection.AssemblyInformationalVersionAttribute>(typeof(OpenSagServer).Assembly)?.InformationalVersion ?? "unknown";

    /// <summary>Where <c>/metrics</c> answers: its own listener's bound URL, else the console's; null when neither is on.</summary>
    private static string? MetricsUrl(Dictionary<Listener, ListenOptions> listeners, ServerOptions options) =>
        listeners.TryGetValue(Listener.Metrics, out var listen) ? $"http://{listen.IPEndPoint}{MetricsEndpoint.Path}"
            : ConsoleEndpoint(listeners, options) is { } console ? console + MetricsEndpoint.Path
            : null;

    /// <summary>The bound API URL and gateway HOST:PORT (with the real port when 0 was asked for).</summary>
    private static (string Api, string Gateway) Endpoints(WebApplication app)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        var api = addresses.First(a => a.StartsWith("http://", StringComparison.Ordinal));
        var gateway = new Uri(addresses.First(a => a.StartsWith("https://", StringComparison.Ordinal)));
        return (api, $"{gateway.Host}:{gateway.Port}");
    }

    /// <summary>A one-line reason for failures an operator can fix; null (so the exception propagates) for bugs.</summary>
    private static string? Describe(Exception e, ServerOptions options) => e switch
    {
        // Kestrel's bind failures name the address: "Failed to bind to address http://127.0.0.1:8080: address already in use."
        IOException { InnerException: AddressInUseException } => PortInUse(e.Message, options),
        IOException { InnerException: SocketException } => e.Message,
        SocketException => $"cannot listen (API {options.ApiListen}, gateway {options.GatewayListen}): {e.Message}",
        System.Security.Cryptography.CryptographicException => $"cannot use the gateway's TLS certificate: {e.Message}",
        UnauthorizedAccessException or IOException => $"cannot use the data folder {options.DataDirectory}: {e.Message}",
        Microsoft.Data.Sqlite.SqliteException sqlite => $"cannot open the database in {options.DataDirectory}: {sqlite.Message}",
        // Refused, unreachable, unknown database, bad password, schema from a newer build: all an operator's to fix.
        Npgsql.NpgsqlException npgsql => $"cannot use the database ({options.Store.Location(options.DataDirectory)}): {OneLine(npgsql.Message)}",
        ServerStartException or Layer3StartException => e.Message,
        // Another node's key, or a lost or replaced key file: every signed call would fail, so the start does.
        UnreadableSecretException => $"cannot read the access-key secrets in {options.Store.Location(options.DataDirectory)} with the secrets key "
            + $"{SecretsKeyFile.Locate(options.DataDirectory, options.SecretsKey)}: {e.Message}; start with the key file they were sealed with (--secrets-key FILE or {SecretsKeyFile.Variable})",
        _ => null,
    };

    /// <summary>Names the option whose address is taken, when Kestrel's message shows which; else Kestrel's message.</summary>
    private static string PortInUse(string message, ServerOptions options) =>
        message.Contains("https://" + options.GatewayListen + ":", StringComparison.Ordinal)
            ? $"--gateway-listen {options.GatewayListen}: port {options.GatewayListen.Port} is already in use (another opensag serve, or another program)."
            : message.Contains("http://" + options.ApiListen + ":", StringComparison.Ordinal)
                ? $"--api-listen {options.ApiListen}: port {options.ApiListen.Port} is already in use (another opensag serve, or another program)."
                : options.Console is { } console && message.Contains(console.Scheme + "://" + console.Address + ":", StringComparison.Ordinal)
                    ? $"--console-listen {console.Address}: port {console.Address.Port} is already in use (another opensag serve, or another program)."
                    : options.MetricsListen is { } metrics && message.Contains("http://" + metrics + ":", StringComparison.Ordinal)
                        ? $"--metrics-listen {metrics}: port {metrics.Port} is already in use (another opensag serve, or another program)."
                        : message;

    /// <summary>PostgreSQL's messages may carry a DETAIL or HINT on further lines; the error stays one line.</summary>
    private static string OneLine(string message) => message.ReplaceLineEndings(" ");
}
