using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Net.WebSockets;
using OpenSag.Client;
using OpenSag.Client.Packets;
using OpenSag.Gateway.Protocol;
using OpenSag.Gateway.Tun;

namespace OpenSag.Cli.Connect;

/// <summary>
/// The client app's life: bind the local listeners, log in, serve tunnels through the current session (a local
/// connection accepted while offline waits for it in <see cref="OnlineGate"/>; leaving ends those waits), and on
/// a network failure resume with the session token after a randomised backoff (<see cref="ReconnectBackoff"/>). A resume the
/// gateway refuses as kicked out means the session was revoked meanwhile: that is a kick, not a reason to use the password
/// again. A resume refused as <see cref="CloseReasons.SessionExpired"/> (the token outlived its lifetime, or the password
/// was reset) is answered with one password login from memory; a rate-limited login after having been online waits as
/// long as the gateway asks and tries again, while a rate-limited first login exits <see cref="ConnectCommand.RateLimited"/>.
/// With <c>--tun</c> (<see cref="Layer3Client"/>) the interface is made before the first login, configured and given a
/// data channel for each session, kept (dropping packets) while the client resumes, and removed on every way out.
/// </summary>
internal sealed class ClientApp(ClientOptions options, IReadOnlyList<(IPEndPoint Local, string Target)> forwards, IPEndPoint? socks, TunOptions? tun)
{
    private readonly OnlineGate _online = new();
    private Layer3Client? _layer3;

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        if (tun is not null && OperatingSystem.IsLinux())
        {
            // Before the first login, so a client without the privilege fails at once instead of after a password check.
            try
            {
                _layer3 = Layer3Client.Create(tun, options.Gateway);
            }
            catch (TunUnavailableException e)
            {
                await Console.Error.WriteLineAsync("opensag connect: " + e.Message);
                return Serve.ExitCodes.Failed;
            }
        }

        try
        {
            return await ServeAsync(cancellationToken);
        }
        finally
        {
            // Every way out removes the interface: closing its descriptor deletes it with its addresses and routes.
            if (OperatingSystem.IsLinux() && _layer3 is not null)
            {
                await _layer3.RemoveAsync();
            }
        }
    }

    private async Task<int> ServeAsync(CancellationToken cancellationToken)
    {
        var listeners = new List<(Socket Socket, string? Target)>();
        foreach (var (local, target) in forwards.Select(f => (f.Local, (string?)f.Target)).Concat(socks is null ? [] : [(socks, null)]))
        {
            try
            {
                listeners.Add((TunnelListeners.Listen(local), target));
            }
            catch (SocketException e)
            {
                var why = e.SocketErrorCode == SocketError.AddressAlreadyInUse ? "the port is in use (another opensag connect, or another program)" : e.Message;
                await Console.Error.WriteLineAsync($"opensag connect: cannot listen on {local}: {why}");
                listeners.ForEach(l => l.Socket.Dispose());
                return Serve.ExitCodes.Failed;
            }
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var tunnels = new TunnelListeners(_online.OpenTunnelAsync, message => Console.Error.WriteLine("opensag connect: " + message));
        var serving = listeners.Select(l => l.Target is null
            ? tunnels.ServeSocksAsync(l.Socket, stop.Token)
            : tunnels.ServeForwardAsync(l.Socket, l.Target, stop.Token)).ToArray();
        try
        {
            return await SessionLoopAsync(cancellationToken);
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(serving);
        }
    }

    private async Task<int> SessionLoopAsync(CancellationToken cancellationToken)
    {
        SessionResume? resume = null;
        var wasOnline = false;
        var backoff = new ReconnectBackoff();
        while (true)
        {
            ClientSession session;
            try
            {
                session = await ClientSession.LoginAsync(options, resume, cancellationToken);
            }
            catch (LoginRefusedException e) when (e.Reason == CloseReasons.SessionExpired && resume is not null)
            {
                await Console.Error.WriteLineAsync("opensag connect: the session's credential expired; logging in again with the password");
                resume = null;
                continue;
            }
            catch (LoginRefusedException e) when (e.Reason == CloseReasons.RateLimited)
            {
                var wait = e.RetryAfter ?? ReconnectBackoff.Longest;
                if (!wasOnline)
                {
                    await Console.Error.WriteLineAsync($"opensag connect: rate-limited: too many login attempts; try again in {Math.Ceiling(wait.TotalSeconds):0} s");
                    return ConnectCommand.RateLimited;
                }

                await Console.Error.WriteLineAsync($"opensag connect: rate-limited by the gateway; retrying in {Math.Ceiling(wait.TotalSeconds):0} s");
                if (!await DelayAsync(wait, cancellationToken))
                {
                    return Serve.ExitCodes.Ok;
                }

                continue;
            }
            catch (LoginRefusedException e) when (e.Reason == CloseReasons.TunUnavailable)
            {
                // Not a verdict on the account: this gateway runs without layer 3, and retrying does not change that.
                await Console.Error.WriteLineAsync($"opensag connect: {e.Message}");
                return Serve.ExitCodes.Failed;
            }
            catch (LoginRefusedException e)
            {
                // The gateway's message is the whole sentence ("kicked out by administrator — do not reconnect"): say it once.
                await Console.Error.WriteLineAsync($"opensag connect: {e.Message}");
                return e.Reason == CloseReasons.KickedOut ? ConnectCommand.KickedOut : ConnectCommand.LoginRefused;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return Serve.ExitCodes.Ok;
            }
            catch (Exception e) when (GatewayTrust.DescribeHandshakeFailure(e, options.Gateway) is { } handshake)
            {
                // Neither a certificate the client does not trust nor a port that does not speak TLS gets better by retrying.
                await Console.Error.WriteLineAsync("opensag connect: " + handshake);
                return Serve.ExitCodes.Failed;
            }
            catch (GatewayTrustException e)
            {
                // --ca-file was checked at start; it changed since.
                await Console.Error.WriteLineAsync("opensag connect: --ca-file " + e.Message);
                return Serve.ExitCodes.Failed;
            }
            catch (Exception e) when (IsNetworkFailure(e))
            {
                var wait = backoff.Next();
                await Console.Error.WriteLineAsync($"opensag connect: cannot reach the gateway ({e.Message}); retrying in {wait.TotalSeconds:0.0} s");
                if (!await DelayAsync(wait, cancellationToken))
                {
                    return Serve.ExitCodes.Ok;
                }

                continue;
            }

            await using (session)
            {
                _online.SetOnline(session.OpenTunnelAsync);
                wasOnline = true;
                backoff.Reset();
                resume = new SessionResume(session.Online.Token, session.Online.ClientIp);
                var dns = session.Online.Dns.Count > 0 ? string.Join(",", session.Online.Dns) : "none";
                SessionDataChannel? packets = null;
                try
                {
                    if (_layer3 is not null && OperatingSystem.IsLinux())
                    {
                        packets = await _layer3.StartAsync(session, cancellationToken);
                        if (packets is null)
                        {
                            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                            await session.LogoutAsync(timeout.Token);
                            return Serve.ExitCodes.Failed;
                        }
                    }

                    var named = tun is null ? "" : ", interface " + tun.Name;
                    Console.WriteLine($"online: ClientIp {session.Online.ClientIp}, DNS {dns}, session {session.Online.SessionId}{named}");
                    var closing = await session.RunAsync(cancellationToken);
                    if (!closing.Reconnect)
                    {
                        // The gateway's message says who ended the session and why; prefixing our own words repeated them.
                        await Console.Error.WriteLineAsync($"opensag connect: {closing.Message}");
                        return ConnectCommand.KickedOut;
                    }

                    await Console.Error.WriteLineAsync($"opensag connect: {closing.Message}; reconnecting");
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                    await session.LogoutAsync(timeout.Token);
                    return Serve.ExitCodes.Ok;
                }
                catch (Exception e) when (IsNetworkFailure(e))
                {
                    await Console.Error.WriteLineAsync($"opensag connect: connection to the gateway lost ({e.Message}); reconnecting");
                }
                finally
                {
                    _online.SetOffline();
                    if (packets is not null && OperatingSystem.IsLinux())
                    {
                        // Before the session goes: from here the interface drops packets until the next session.
                        await packets.DisposeAsync();
                        if (packets.DescribeDrops() is { } drops)
                        {
                            await Console.Error.WriteLineAsync("opensag connect: " + drops);
                        }
                    }
                }
            }

            if (!await DelayAsync(backoff.Next(), cancellationToken))
            {
                return Serve.ExitCodes.Ok;
            }
        }
    }

    /// <summary>
    /// Whether <paramref name="e"/> is the network failing, however it is wrapped: a gateway that goes silent ends the
    /// control channel's read with an OperationCanceledException ("Aborted") around an AggregateException of the
    /// keepalive timeout's WebSocketException and an IOException; an HTTP timeout is one around a TimeoutException.
    /// (The caller's own cancellation is caught before this is asked.)
    /// </summary>
    private static bool IsNetworkFailure(Exception e) => e switch
    {
        WebSocketException or HttpRequestException or SocketException or IOException => true,
        AggregateException all => all.InnerExceptions.Any(i => i is TimeoutException || IsNetworkFailure(i)),
        OperationCanceledException { InnerException: { } inner } => inner is TimeoutException || IsNetworkFailure(inner),
        _ => false,
    };

    private static async Task<bool> DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, cancellationToken);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
