using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using OpenSag.Domain;
using OpenSag.Errors;
using OpenSag.Gateway.Protocol;
using OpenSag.Gateway.Security;
using OpenSag.Sessions;
using OpenSag.Storage;

namespace OpenSag.Gateway.Sessions;

/// <summary>
/// <see cref="GatewayPaths.Control"/>: the WebSocket a client holds for its whole session. Login, admission,
/// the "online" answer, then a receive loop that ends on logout, a dead peer (silent past the
/// <see cref="ControlHeartbeat"/>'s timeout), a broken transport, a protocol error or a server-side close.
/// </summary>
public sealed class ControlEndpoint(
    GatewayOptions options,
    LoginVerifier verifier,
    IClientIpLeases addresses,
    SessionRegistry registry,
    SessionTokens tokens,
    IClientUserStore users,
    ControlHeartbeat heartbeat,
    TimeProvider time,
    ILogger<ControlEndpoint> logger,
    Packets.PacketAdmission? packets = null)
{
    /// <summary>How long a client has to send its login message once the WebSocket is up. Only the read is on this clock:
    /// a login that then waits its turn in the <see cref="PasswordCheckGate"/> (a storm) is slow, not refused.</summary>
    private static readonly TimeSpan LoginTimeout = TimeSpan.FromSeconds(10);

    /// <summary>How long a refused client has to answer our close frame before the connection is simply dropped.</summary>
    private static readonly TimeSpan RefusalCloseTimeout = TimeSpan.FromSeconds(2);

    public async Task HandleAsync(HttpContext http)
    {
        if (!http.WebSockets.IsWebSocketRequest)
        {
            http.Response.StatusCode = StatusCodes.Status400BadRequest;
            await http.Response.WriteAsync("the control channel is a WebSocket", http.RequestAborted);
            return;
        }

        // One control channel per connection, so the gateway's connection caps bound the logins a source holds open
        // before it proves anything. HTTP/2 would multiply them by its 100 streams per connection (measured: 17 KiB
        // of server memory each); tunnels refuse it too (TunnelEndpoint).
        if (!HttpProtocol.IsHttp11(http.Request.Protocol))
        {
            http.Response.StatusCode = StatusCodes.Status400BadRequest;
            await http.Response.WriteAsync("the control channel is a WebSocket over HTTP/1.1", http.RequestAborted);
            return;
        }

        // No WebSocket keepalive: liveness is the gateway's one heartbeat (ControlHeartbeat), judged on what arrives.
        using var socket = await http.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { KeepAliveInterval = TimeSpan.Zero });
        using var channel = new ControlChannel(socket, time);
        var peer = http.Connection.RemoteIpAddress ?? IPAddress.None;
        GatewaySession? admitted;
        try
        {
            admitted = await AdmitAsync(socket, channel, peer, http.Connection.RemotePort, http.RequestAborted);
        }
        catch (Exception e) when (StoreUnavailable.IsCause(e))
        {
            // No database, no new session (DESIGN.md §5). Dropping the connection without a refusal makes the
            // client treat it as a network failure and retry with backoff, which is right for a passing outage.
            logger.LogWarning("Login from {Peer} dropped, the database is unreachable: {Message}", peer, e.Message);
            socket.Abort();
            return;
        }
        catch (Exception e) when (e is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The client went away during admission (its request aborted, its transport broken): nobody to answer.
            socket.Abort();
            return;
        }

        using var session = admitted;
        if (session is null)
        {
            return;
        }

        SessionEnd end;
        using (heartbeat.Watch(channel))
        {
            end = await session.Reader.Ended;
        }

        // The transport also breaks when the host stops (Kestrel aborts what is still open): that is a shutdown.
        var reason = end.Reason == SessionCloseReason.ConnectionLost && registry.IsShuttingDown ? SessionCloseReason.ServerShutdown : end.Reason;
        if (reason == SessionCloseReason.ClientClosed && session.IsOnline)
        {
            // The client logged out (not answering a close of ours): that ends its login's credential too, so the
            // token cannot resume, for the rest of its lifetime and across restarts (RevokedLogins).
            RevokeLogin(session.Token);
        }

        await session.CloseAsync(reason, end.Detail);
    }

    /// <summary>
    /// The admitted session, online and published, or null when the login was refused or the session ended during
    /// admission. Each step acquires one thing; from the lease on the session owns what was acquired, and its close
    /// undoes it whenever it runs. Publication in the session table is the last acquisition, so a kick finds either
    /// nothing (and the re-read after publication sees its generation bump) or the whole session.
    /// </summary>
    private async Task<GatewaySession?> AdmitAsync(WebSocket socket, ControlChannel channel, IPAddress peer, int peerPort, CancellationToken cancellationToken)
    {
        var (login, problem) = await ReadLoginAsync(socket, channel, cancellationToken);
        if (login is null)
        {
            if (problem is not null)
            {
                LoginMetrics.Refused(CloseReasons.ProtocolError, resume: false);
                await RefuseAsync(socket, CloseReasons.ProtocolError, problem, cancellationToken);
            }

            return null;
        }

        if (login.Tun && packets is null)
        {
            // Before the password check: this gateway cannot serve the login whoever the user is.
            LoginMetrics.Refused(CloseReasons.TunUnavailable, Resumes(login));
            await RefuseAsync(socket, CloseReasons.TunUnavailable, "this gateway has no layer-3 data channel (its opensag serve runs without --tun NAME); connect without --tun for forwards and SOCKS5 only, or restart serve with --tun", cancellationToken);
            return null;
        }

        // The client now sends nothing until it is answered, but a pending receive is what notices a client that
        // closes or resets meanwhile (VerifyWhileConnectedAsync gives up its queued check). Once admitted, this
        // reader is the session's.
        var reader = ControlReader.Start(channel);
        var decision = await VerifyWhileConnectedAsync(login, peer, reader.Ended, cancellationToken);
        if (decision is null)
        {
            return null;
        }

        if (!decision.Admitted)
        {
            var retryAfter = decision.RetryAfter is { } wait ? (int)Math.Ceiling(wait.TotalSeconds) : (int?)null;
            var message = decision.RefusalReason switch
            {
                CloseReasons.KickedOut => "the session was ended by the administrator; log in again",
                CloseReasons.SessionExpired => "the session's credential expired or was revoked; log in with the password",
                CloseReasons.RateLimited => $"too many login attempts; try again in {retryAfter} s",
                _ => "login refused: wrong instance, user name or password, or the account is disabled",
            };
            logger.LogInformation("Login refused for {UserName} on {SmartAGId} from {Peer} ({Reason})", login.UserName, login.SmartAGId, peer, decision.RefusalReason);
            LoginMetrics.Refused(decision.RefusalReason!, Resumes(login));
            await RefuseAsync(socket, decision.RefusalReason!, message, cancellationToken, retryAfter);
            return null;
        }

        var user = decision.User!;
        var instance = decision.Instance!;
        var sessionId = Guid.NewGuid().ToString("N");
        // Only a resume may ask for its address back: a password login starts afresh, as its client has no session yet.
        var preferred = login.ResumeToken is not null && IPAddress.TryParse(login.ClientIp, out var asked) ? asked : null;
        var (lease, leaseRefusal) = await AddressLease.AcquireAsync(addresses, instance, user, sessionId, preferred, cancellationToken);
        if (lease is null)
        {
            logger.LogInformation("Login refused for {UserName} on {SmartAGId} from {Peer}: {Refusal}", login.UserName, login.SmartAGId, peer, leaseRefusal);
            LoginMetrics.Refused(CloseReasons.LoginRefused, Resumes(login));
            await RefuseAsync(socket, CloseReasons.LoginRefused, leaseRefusal!, cancellationToken);
            return null;
        }

        var info = new OnlineSessionInfo
        {
            SessionId = sessionId,
            SmartAGId = instance.SmartAGId,
            UserName = user.UserName,
            ClientIp = lease.Address.ToString(),
            OnlineSince = time.GetUtcNow(),
            PeerAddress = new IPEndPoint(peer, peerPort).ToString(),
            ClientVersion = Truncate(login.ClientVersion),
            ClientOs = Truncate(login.ClientOs),
            SessionGeneration = user.SessionGeneration,
        };
        var session = new GatewaySession(info, user.SessionGeneration, user.Bandwidth, channel, reader,
            lease, registry, logger);
        try
        {
            session.Token = tokens.Issue(new SessionClaims(info.SessionId, info.SmartAGId, info.UserName, user.SessionGeneration,
                decision.LoginId, decision.ExpiresAt, tokens.StampOf(user.PasswordHash)));
            // Registered right before publication, owned by the session from here: its close path removes it first.
            var dataChannel = login.Tun ? packets!.Admit(session, instance) : null;
            if (login.Tun && dataChannel is null)
            {
                LoginMetrics.Refused(CloseReasons.ConnectionLost, Resumes(login));
                await session.CloseAsync(SessionCloseReason.ConnectionLost, CancellationToken.None);
                session.Dispose();
                return null;
            }

            if (!await registry.PublishAsync(session, cancellationToken))
            {
                // Admitted while the host stops: the shutdown's sweep of the table ran before this publication.
                LoginMetrics.Refused(CloseReasons.ServerShutdown, Resumes(login));
                await session.CloseAsync(SessionCloseReason.ServerShutdown, CancellationToken.None);
                session.Dispose();
                return null;
            }

            // A kick that committed between the password check and the publication above did not see this session;
            // re-reading the generation after publishing closes that gap (the kick bumps first, then closes).
            var current = await users.FindUserAsync(instance.SmartAGId, user.UserName, cancellationToken);
            if (current is null || current.SessionGeneration != user.SessionGeneration || current.State != UserState.Enabled)
            {
                LoginMetrics.Refused(current is null ? CloseReasons.UserDeleted : current.State != UserState.Enabled ? CloseReasons.UserDisabled : CloseReasons.KickedOut, Resumes(login));
                await session.CloseAsync(current is null ? SessionCloseReason.UserDeleted
                    : current.State != UserState.Enabled ? SessionCloseReason.UserDisabled
                    : SessionCloseReason.KickedOut, CancellationToken.None);
                session.Dispose();
                return null;
            }

            packets?.StartPolicing(session);
            // Counted before the answer, so whoever sees the client online also sees it counted.
            LoginMetrics.Accepted(Resumes(login));
            await session.SendAsync(new OnlineMessage
            {
                SessionId = info.SessionId,
                Token = session.Token,
                ClientIp = info.ClientIp,
                Dns = instance.AppDns,
                KeepaliveSeconds = (int)options.KeepaliveInterval.TotalSeconds,
                DataChannel = dataChannel,
            }, cancellationToken);
            logger.LogInformation("Session {SessionId} of {UserName} on {SmartAGId} online from {Peer} as {ClientIp}", info.SessionId, info.UserName, info.SmartAGId, info.PeerAddress, info.ClientIp);
            return session;
        }
        catch
        {
            // Never answered "online" (an observer, the database or the client failed meanwhile): undone through the one
            // close path, or the session would stay listed online, its address leased, with nobody reading its channel.
            await session.CloseAsync(SessionCloseReason.ConnectionLost, CancellationToken.None);
            session.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The login decision, or null when the client left (closed, reset or dead) while its check was queued: its place in
    /// the <see cref="PasswordCheckGate"/> is given up rather than spent on a client that is gone. Not under
    /// <see cref="LoginTimeout"/>: a storm makes the check slow, and slow is not a reason to refuse.
    /// </summary>
    private async Task<LoginDecision?> VerifyWhileConnectedAsync(LoginRequest login, IPAddress peer, Task<SessionEnd> receiving, CancellationToken cancellationToken)
    {
        using var left = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var verifying = verifier.VerifyAsync(login, peer.ToString(), left.Token);
        if (await Task.WhenAny(verifying, receiving) == verifying)
        {
            return await verifying;
        }

        await left.CancelAsync();
        try
        {
            await verifying;
        }
        catch (OperationCanceledException)
        {
        }

        return null;
    }

    /// <summary>
    /// The login message, read within <see cref="LoginTimeout"/>: (login, null) for a well-formed login, (null, why)
    /// for a refusal that says why, (null, null) when there is nothing more to say (the client is gone, or the
    /// timeout's refusal was sent here). The
    /// read is never cancelled: cancelling a WebSocket receive aborts the socket, and the client would never learn
    /// why it was dropped. On a timeout the close handshake is finished here, the pending read taking the answer.
    /// </summary>
    private async Task<(LoginRequest? Login, string? Problem)> ReadLoginAsync(WebSocket socket, ControlChannel channel, CancellationToken cancellationToken)
    {
        var reading = channel.ReceiveAsync(CancellationToken.None);
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            var expired = Task.Delay(LoginTimeout, time, timeout.Token);
            if (await Task.WhenAny(reading, expired) == expired)
            {
                var seconds = LoginTimeout.TotalSeconds.ToString("0", System.Globalization.CultureInfo.InvariantCulture);
                LoginMetrics.Refused(CloseReasons.ProtocolError, resume: false);
                await RefuseAsync(socket, CloseReasons.ProtocolError, $"no login within {seconds} s", cancellationToken);
                await ObserveQuietlyAsync(reading.WaitAsync(RefusalCloseTimeout, time, cancellationToken));
                return (null, null);
            }

            await timeout.CancelAsync();
        }

        byte[]? payload;
        try
        {
            payload = await reading;
        }
        catch (ControlProtocolException e)
        {
            return (null, "the first message must be a login: " + e.Message);
        }
        catch (Exception e) when (e is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            return (null, null);
        }

        if (payload is null)
        {
            return (null, "the first message must be a login");
        }

        try
        {
            if (ControlJson.FindRepeatedKey(payload) is { } repeated)
            {
                return (null, $"the login message repeats the key \"{Truncate(repeated, 64)}\"");
            }

            var login = JsonSerializer.Deserialize<LoginRequest>(payload, ControlJson.Options);
            // A name no store can hold (PostgreSQL refuses NUL in a query parameter) names no account: refused before any lookup.
            return login is null || login.Type != "login" || login.SmartAGId.Length is 0 or > 64 || login.UserName.Length is 0 or > 64
                || PortableText.IndexOfUnportable(login.SmartAGId) >= 0 || PortableText.IndexOfUnportable(login.UserName) >= 0
                ? (null, "the first message must be a login")
                : (login, null);
        }
        catch (JsonException)
        {
            return (null, "the login message is not valid JSON of the login's shape");
        }
    }

    /// <summary>Whether the login resumes a session with its token rather than giving a password (the metric's <c>method</c>).</summary>
    private static bool Resumes(LoginRequest login) => login.ResumeToken is { Length: > 0 };

    private static async Task ObserveQuietlyAsync(Task task)
    {
        try
        {
            await task;
        }
        catch (Exception e) when (e is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException or TimeoutException or ControlProtocolException)
        {
            // The refused client did not answer the close properly; the connection is dropped either way.
        }
    }

    private static async Task RefuseAsync(WebSocket socket, string reason, string message, CancellationToken cancellationToken, int? retryAfterSeconds = null)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(2));
        try
        {
            var closing = new ClosingMessage { Reason = reason, Message = message, Reconnect = false, RetryAfterSeconds = retryAfterSeconds };
            var payload = JsonSerializer.SerializeToUtf8Bytes(closing, ControlJson.Options);
            await socket.SendAsync(payload, WebSocketMessageType.Text, endOfMessage: true, timeout.Token);
            await socket.CloseOutputAsync(WebSocketCloseStatus.PolicyViolation, reason, timeout.Token);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException)
        {
        }
    }

    private void RevokeLogin(string token)
    {
        if (tokens.TryRead(token, out var claims) != TokenRead.Valid)
        {
            return;
        }

        try
        {
            tokens.Revocations.Revoke(claims.LoginId, claims.ExpiresAt);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger.LogError("Session {SessionId} logged out but its revocation could not be stored: {Message}", claims.SessionId, e.Message);
        }
    }

    /// <summary>
    /// The client's free-text version and OS are kept with the session, in the cluster's session table too, where one
    /// NUL would fail the write (and the batch re-insert of every session of the node): at most <paramref name="length"/>
    /// UTF-16 units, each one any store can hold (a pair cut in two leaves a lone half, which becomes U+FFFD too).
    /// </summary>
    private static string Truncate(string value, int length = 128) => PortableText.Portable(value.Length <= length ? value : value[..length]);
}
