using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Net.WebSockets;
using OpenSag.Client;
using OpenSag.Gateway.Protocol;

namespace OpenSag.Cli.Connect;

/// <summary>
/// The client app's life: bind the local listeners, log in, serve tunnels through the current session, and on
/// a network failure resume with the session token after a randomised backoff (<see cref="ReconnectBackoff"/>). A resume the
/// gateway refuses as kicked out means the session was revoked meanwhile: that is a kick, not a reason to use the password
/// again. A resume refused as <see cref="CloseReasons.SessionExpired"/> (the token outlived its lifetime, or the password
/// was reset) is answered with one password login from memory; a rate-limited login after having been online waits as
/// long as the gateway asks and tries again, while a rate-limited first login exits <see cref="ConnectCommand.RateLimited"/>.
/// </summary>
internal sealed class ClientApp(ClientOptions options, IReadOnlyList<(IPEndPoint Local, string Target)> forwards, IPEndPoint? socks)
{
    private volatile ClientSession? _current;

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var listeners = new List<(Socket Socket, string? Target)>();
        try
        {
            foreach (var (local, target) in forwards)
            {
                listeners.Add((TunnelListeners.Listen(local), target));
            }

            if (socks is not null)
            {
                listeners.Add((TunnelListeners.Listen(socks), null));
            }
        }
        catch (SocketException e)
        {
            await Console.Error.WriteLineAsync($"opensag connect: cannot listen locally: {e.Message}");
            listeners.ForEach(l => l.Socket.Dispose());
            return Serve.ExitCodes.Failed;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var tunnels = new TunnelListeners(OpenAsync, message => Console.Error.WriteLine("opensag connect: " + message));
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
        string? resumeToken = null;
        var wasOnline = false;
        var backoff = new ReconnectBackoff();
        while (true)
        {
            ClientSession session;
            try
            {
                session = await ClientSession.LoginAsync(options, resumeToken, cancellationToken);
            }
            catch (LoginRefusedException e) when (e.Reason == CloseReasons.SessionExpired && resumeToken is not null)
            {
                await Console.Error.WriteLineAsync("opensag connect: the session's credential expired; logging in again with the password");
                resumeToken = null;
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
            catch (LoginRefusedException e)
            {
                var kicked = e.Reason == CloseReasons.KickedOut;
                await Console.Error.WriteLineAsync(kicked ? $"opensag connect: kicked out by administrator: {e.Message}" : $"opensag connect: {e.Message}");
                return kicked ? ConnectCommand.KickedOut : ConnectCommand.LoginRefused;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return Serve.ExitCodes.Ok;
            }
            catch (Exception e) when (IsUntrusted(e))
            {
                await Console.Error.WriteLineAsync($"opensag connect: the gateway's TLS certificate is not trusted ({e.GetBaseException().Message}); pass its certificate with --ca-file");
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
                _current = session;
                wasOnline = true;
                backoff.Reset();
                resumeToken = session.Online.Token;
                var dns = session.Online.Dns.Count > 0 ? string.Join(",", session.Online.Dns) : "none";
                Console.WriteLine($"online: ClientIp {session.Online.ClientIp}, DNS {dns}, session {session.Online.SessionId}");
                try
                {
                    var closing = await session.RunAsync(cancellationToken);
                    if (!closing.Reconnect)
                    {
                        await Console.Error.WriteLineAsync(closing.Reason == CloseReasons.KickedOut
                            ? $"opensag connect: kicked out by administrator: {closing.Message}"
                            : $"opensag connect: session ended by the administrator: {closing.Message}");
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
                    _current = null;
                }
            }

            if (!await DelayAsync(backoff.Next(), cancellationToken))
            {
                return Serve.ExitCodes.Ok;
            }
        }
    }

    private Task<WebSocket> OpenAsync(string destination, CancellationToken cancellationToken) =>
        _current is { } session
            ? session.OpenTunnelAsync(destination, cancellationToken)
            : throw new InvalidOperationException("not connected to the gateway");

    private static bool IsNetworkFailure(Exception e) =>
        e is WebSocketException or HttpRequestException or SocketException or IOException
            || (e is OperationCanceledException && e.InnerException is TimeoutException);

    /// <summary>A certificate the client does not trust will not become trusted by retrying.</summary>
    private static bool IsUntrusted(Exception e)
    {
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is System.Security.Authentication.AuthenticationException)
            {
                return true;
            }
        }

        return false;
    }

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
