using System.CommandLine;
using System.Net;
using System.Runtime.InteropServices;
using OpenSag.Cli.Serve;
using OpenSag.Client;
using OpenSag.Client.Packets;

namespace OpenSag.Cli.Connect;

/// <summary>
/// <c>opensag connect</c>, the client app. Exit codes (README "Exit codes"): 0 after Ctrl-C/SIGTERM (logged out
/// cleanly), 1 when it cannot work (a local port in use, a gateway it does not trust or that does not answer TLS),
/// 2 for bad usage, 3 when login is refused, 4 when the administrator ended the session (kick, disable, delete,
/// move), 5 when the first login is rate-limited (too many failed attempts; not a verdict on the password).
/// A failed network is retried with backoff, resuming the session with its token.
/// </summary>
internal static class ConnectCommand
{
    public const int LoginRefused = 3;
    public const int KickedOut = 4;
    public const int RateLimited = 5;

    public static Command Create()
    {
        var gateway = new Option<string>("--gateway") { Description = "Gateway HOST:PORT.", Required = true };
        var caFile = new Option<string?>("--ca-file") { Description = "PEM certificate(s) to trust for the gateway: one that is exactly the gateway's (its <data>/gateway-cert.pem) is trusted at any address; any other is a CA, whose certificates must name the host dialled." };
        var instance = new Option<string>("--instance") { Description = "SmartAGId of the instance.", Required = true };
        var user = new Option<string>("--user") { Description = "User name.", Required = true };
        var forward = new Option<string[]>("--forward") { Description = "LHOST:LPORT=THOST:TPORT, repeatable: a local port tunnelled to a target.", AllowMultipleArgumentsPerToken = false };
        var socks = new Option<string?>("--socks") { Description = "HOST:PORT for a local SOCKS5 proxy (CONNECT) through the gateway." };
        var tun = new Option<bool>("--tun") { Description = "Layer 3 (a VPN): a TUN interface with the session's ClientIp, the gateway's routes and DNS, carrying IP packets. Needs CAP_NET_ADMIN (root)." };
        var tunName = new Option<string?>("--tun-name") { Description = $"Name of the --tun interface (default {TunOptions.DefaultName}; 1–15 characters, no '/' or whitespace)." };
        var transport = new Option<string?>("--transport") { Description = "How --tun carries packets: auto (UDP, switching to the TLS connection when the gateway does not answer on UDP within 3 s; the default), udp (UDP only) or tls (the TLS connection only)." };
        transport.AcceptOnlyFromAmong(PacketTransports.Auto, PacketTransports.Udp, PacketTransports.Tls);
        var noDns = new Option<bool>("--no-dns") { Description = "With --tun: leave the system's DNS alone (default: the user's AppDNS servers go to the interface through systemd-resolved)." };
        var passwordFile = new Option<string?>("--password-file") { Description = "FILE whose first line is the password; refused unless only its owner may read it (chmod 600)." };
        var profile = new OptionsFileOption("--profile", "FILE of connect options, one 'name = value' a line with the options' names without -- (gateway = vpn.example.com:8443), # comments; the command line's options win. No password: use password-file.");
        var command = new Command("connect", "Log in to a gateway and serve local port forwards and a SOCKS5 proxy through it, and with --tun carry IP packets on an interface. Password from --password-file, else OPENSAG_PASSWORD, else prompted.")
        {
            gateway, caFile, instance, user, forward, socks, tun, tunName, transport, noDns, passwordFile, profile,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var forwards = new List<(IPEndPoint Local, string Target)>();
            foreach (var spec in parse.GetValue(forward) ?? [])
            {
                var eq = spec.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0 || !ListenAddress.TryParse(spec[..eq], out var local, out var error) || !IsHostPort(spec[(eq + 1)..]))
                {
                    await Console.Error.WriteLineAsync($"opensag connect: --forward '{spec}' is not LHOST:LPORT=THOST:TPORT.");
                    return ExitCodes.BadUsage;
                }

                forwards.Add((new IPEndPoint(local.Address, local.Port), spec[(eq + 1)..]));
            }

            IPEndPoint? socksEndpoint = null;
            if (parse.GetValue(socks) is { } socksText)
            {
                if (!ListenAddress.TryParse(socksText, out var s, out var error))
                {
                    await Console.Error.WriteLineAsync("opensag connect: --socks: " + error);
                    return ExitCodes.BadUsage;
                }

                socksEndpoint = new IPEndPoint(s.Address, s.Port);
            }

            var gatewayText = parse.GetValue(gateway)!;
            if (!IsHostPort(gatewayText))
            {
                await Console.Error.WriteLineAsync($"opensag connect: --gateway '{gatewayText}' is not HOST:PORT.");
                return ExitCodes.BadUsage;
            }

            var ca = parse.GetValue(caFile);
            if (ca is not null && !File.Exists(ca))
            {
                await Console.Error.WriteLineAsync($"opensag connect: --ca-file {ca} {MissingFile.Reason(ca)}.");
                return ExitCodes.BadUsage;
            }

            try
            {
                // Read once here so a wrong file is a usage error now, not a failure at the first login.
                _ = ca is null ? null : GatewayTrust.LoadRoots(ca);
            }
            catch (GatewayTrustException e)
            {
                await Console.Error.WriteLineAsync("opensag connect: --ca-file " + e.Message);
                return ExitCodes.BadUsage;
            }

            var tunOptions = TunOptionsOf(parse.GetValue(tun), parse.GetValue(tunName), parse.GetValue(transport), parse.GetValue(noDns), out var tunError);
            if (tunError is not null)
            {
                await Console.Error.WriteLineAsync("opensag connect: " + tunError);
                return ExitCodes.BadUsage;
            }

            string? password;
            if (parse.GetValue(passwordFile) is { } passwordPath)
            {
                password = PasswordFile.Read(passwordPath, out var passwordError);
                if (password is null)
                {
                    await Console.Error.WriteLineAsync($"opensag connect: --password-file {passwordPath} {passwordError}");
                    return ExitCodes.BadUsage;
                }
            }
            else
            {
                password = Environment.GetEnvironmentVariable("OPENSAG_PASSWORD") is { Length: > 0 } fromEnv ? fromEnv : PasswordPrompt.Read();
            }

            if (password is null)
            {
                await Console.Error.WriteLineAsync("opensag connect: no password: set OPENSAG_PASSWORD or run on a terminal to be asked.");
                return ExitCodes.BadUsage;
            }

            var options = new ClientOptions(gatewayText, ca, parse.GetValue(instance)!, parse.GetValue(user)!, password) { Tun = tunOptions is not null };
            // The host's default SIGTERM handling kills the process before the session can say goodbye;
            // turning both signals into a cancellation lets the client log out and exit 0.
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; stop.Cancel(); });
            using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; stop.Cancel(); });
            InlineSocketCompletions();
            return await new ClientApp(options, forwards, socksEndpoint, tunOptions).RunAsync(stop.Token);
        });
        return command;
    }

    /// <summary>
    /// Runs socket completions on the runtime's event thread instead of queueing each one to the thread pool: one
    /// thread wake-up fewer per read, in each direction of every stream (bench/README.md, stream path). Safe here
    /// because everything the client does after a socket operation is relaying and a little JSON, none of it blocking,
    /// and what does block (--tun's ip and resolvectl runs, whose output comes back through this same thread) is moved
    /// off it with Task.Run (<see cref="Layer3Client"/>); the gateway, whose API does blocking work (SQLite, password hashing), keeps the default. .NET reads the variable
    /// once, when the first socket starts its event loop, so this must run before the client opens any socket.
    /// </summary>
    private static void InlineSocketCompletions() => Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");

    /// <summary>
    /// The layer-3 options, or null without <c>--tun</c>; <paramref name="error"/> is the usage error (an option that
    /// means something only with --tun, given without it, or an interface name the kernel would refuse).
    /// </summary>
    private static TunOptions? TunOptionsOf(bool tun, string? name, string? transport, bool noDns, out string? error)
    {
        error = null;
        if (!tun)
        {
            var stray = new[] { (name is not null, "--tun-name"), (transport is not null, "--transport"), (noDns, "--no-dns") }.Where(o => o.Item1).Select(o => o.Item2).ToList();
            if (stray.Count > 0)
            {
                error = $"{string.Join(", ", stray)} {(stray.Count == 1 ? "needs" : "need")} --tun.";
            }

            return null;
        }

        if (!OperatingSystem.IsLinux())
        {
            error = "--tun works on Linux only (a TUN interface through /dev/net/tun).";
            return null;
        }

        name ??= TunOptions.DefaultName;
        if (TunOptions.CheckName(name) is { } nameError)
        {
            error = "--tun-name: " + nameError;
            return null;
        }

        return new TunOptions(name, PacketTransports.Parse(transport ?? PacketTransports.Auto), ApplyDns: !noDns);
    }

    private static bool IsHostPort(string text)
    {
        var colon = text.LastIndexOf(':');
        return colon > 0 && int.TryParse(text.AsSpan(colon + 1), System.Globalization.NumberStyles.None, null, out var port) && port is > 0 and <= 65535;
    }
}
