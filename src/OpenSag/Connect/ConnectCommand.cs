using System.CommandLine;
using System.Net;
using System.Runtime.InteropServices;
using OpenSag.Cli.Serve;
using OpenSag.Client;

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
        var command = new Command("connect", "Log in to a gateway and serve local port forwards and a SOCKS5 proxy through it. Password from OPENSAG_PASSWORD, else prompted.")
        {
            gateway, caFile, instance, user, forward, socks,
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

            var password = Environment.GetEnvironmentVariable("OPENSAG_PASSWORD") is { Length: > 0 } fromEnv ? fromEnv : PasswordPrompt.Read();
            if (password is null)
            {
                await Console.Error.WriteLineAsync("opensag connect: no password: set OPENSAG_PASSWORD or run on a terminal to be asked.");
                return ExitCodes.BadUsage;
            }

            var options = new ClientOptions(gatewayText, ca, parse.GetValue(instance)!, parse.GetValue(user)!, password);
            // The host's default SIGTERM handling kills the process before the session can say goodbye;
            // turning both signals into a cancellation lets the client log out and exit 0.
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; stop.Cancel(); });
            using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; stop.Cancel(); });
            InlineSocketCompletions();
            return await new ClientApp(options, forwards, socksEndpoint).RunAsync(stop.Token);
        });
        return command;
    }

    /// <summary>
    /// Runs socket completions on the runtime's event thread instead of queueing each one to the thread pool: one
    /// thread wake-up fewer per read, in each direction of every stream (bench/README.md, stream path). Safe here
    /// because everything the client does after a socket operation is relaying and a little JSON, none of it blocking;
    /// the gateway, whose API does blocking work (SQLite, password hashing), keeps the default. .NET reads the variable
    /// once, when the first socket starts its event loop, so this must run before the client opens any socket.
    /// </summary>
    private static void InlineSocketCompletions() => Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");

    private static bool IsHostPort(string text)
    {
        var colon = text.LastIndexOf(':');
        return colon > 0 && int.TryParse(text.AsSpan(colon + 1), System.Globalization.NumberStyles.None, null, out var port) && port is > 0 and <= 65535;
    }
}
