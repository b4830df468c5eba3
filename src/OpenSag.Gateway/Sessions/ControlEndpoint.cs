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
/// the "online" answer, then a receive loop that ends on logout, a dead peer (missed pong) or a server-side close.
/// </summary>
public sealed class ControlEndpoint(
    GatewayOptions options,
    LoginVerifier verifier,
    IClientIpLeases addresses,
    SessionRegistry registry,
    SessionDirectory directory,
    SessionTokens tokens,
    IClientUserStore users,
    TimeProvider time,
    ILogger<ControlEndpoint> logger)
{
    private const int MaxMessageBytes = 4096;
    /// <summary>How long a client has to send its login message once the WebSocket is up. Only the read is on this clock:
    /// a login that then waits its turn in the <see cref="PasswordCheckGate"/> (a storm) is slow, not refused.</summary>
    private static readonly TimeSpan LoginTimeout = TimeSpan.FromSeconds(10);

    public async Task HandleAsync(HttpContext http)
    {
        if (!http.WebSockets.IsWebSocketRequest)
        {
            http.Response.StatusCode = StatusCodes.Status400BadRequest;
            await http.Response.WriteAsync("the control channel is a WebSocket", http.RequestAborted);
            return;
        }

        using var socket = await http.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
        {
            KeepAliveInterval = options.KeepaliveInterval,
            KeepAliveTimeout = options.KeepaliveInterval,
        });
        var peer = http.Connection.RemoteIpAddress ?? IPAddress.None;
        GatewaySession? admitted;
        Task<SessionCloseReason>? receiving;
        try
        {
            (admitted, receiving) = await AdmitAsync(socket, peer, http.Connection.RemotePort, http.RequestAborted);
        }
        catch (Exception e) when (StoreUnavailable.IsCause(e))
        {
            // No database, no new session (DESIGN.md §5). Dropping the connection without a refusal makes the
            // client treat it as a network failure and retry with backoff, which is right for a passing outage.
            logger.LogWarning("Login from {Peer} dropped, the database is unreachable: {Message}", peer, e.Message);
            socket.Abort();
            return;
        }

        using var session = admitted;
        if (session is null || receiving is null)
        {
            return;
        }

        var reason = await receiving;
        if (reason == SessionCloseReason.ClientClosed && session.IsOnline)
        {
            // The client logged out (not answering a close of ours): that ends its login's credential too, so the
            // token cannot resume, for the rest of its lifetime and across restarts (RevokedLogins).
            RevokeLogin(session.Token);
        }

        session.MarkReceiveEnded();
        await session.CloseAsync(reason, CancellationToken.None);
    }

    /// <summary>The admitted session and its running control reader, or (null, null) when the login was refused.</summary>
    private async Task<(GatewaySession? Session, Task<SessionCloseReason>? Receiving)> AdmitAsync(WebSocket socket, IPAddress peer, int peerPort, CancellationToken cancellationToken)
    {
        LoginRequest? login;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            timeout.CancelAfter(LoginTimeout);
            try
            {
                var payload = await ReceiveTextAsync(socket, timeout.Token);
                login = payload is null ? null : JsonSerializer.Deserialize<LoginRequest>(payload, ControlJson.Options);
            }
            catch (Exception e) when (e is JsonException or WebSocketException or OperationCanceledException or InvalidDataException)
            {
                login = null;
            }
        }

        if (login is null || login.Type != "login" || login.SmartAGId.Length is 0 or > 64 || login.UserName.Length is 0 or > 64)
        {
            await RefuseAsync(socket, CloseReasons.ProtocolError, "the first message must be a login", cancellationToken);
            return (null, null);
        }

        // The client now sends nothing until it is answered, but the keepalive needs its pongs read, and only a pending
        // receive reads them: without this reader a login queued for the password check (PasswordCheckGate) longer
        // than the keepalive timeout would be aborted as a dead peer. Once admitted, this reader is the session's.
        var receiving = ReceiveUntilEndAsync(socket);
        var decision = await VerifyWhileConnectedAsync(login, peer, receiving, cancellationToken);
        if (decision is null)
        {
            return (null, null);
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
            await RefuseAsync(socket, decision.RefusalReason!, message, cancellationToken, retryAfter);
            return (null, null);
        }

        var user = decision.User!;
        var instance = decision.Instance!;
        var sessionId = Guid.NewGuid().ToString("N");
        var leased = user.IsStaticIp ? null : await addresses.LeaseAsync(instance, sessionId, cancellationToken);
        if (!user.IsStaticIp && leased is null)
        {
            await RefuseAsync(socket, CloseReasons.LoginRefused, "the instance has no free client address", cancellationToken);
            return (null, null);
        }

        var info = new OnlineSessionInfo
        {
            SessionId = sessionId,
            SmartAGId = instance.SmartAGId,
            UserName = user.UserName,
            ClientIp = user.IsStaticIp ? user.ClientIp : leased!.ToString(),
            OnlineSince = time.GetUtcNow(),
            PeerAddress = new IPEndPoint(peer, peerPort).ToString(),
            ClientVersion = Truncate(login.ClientVersion),
            ClientOs = Truncate(login.ClientOs),
            SessionGeneration = user.SessionGeneration,
        };
        var session = new GatewaySession(info, user.SessionGeneration, user.Bandwidth, socket, logger);
        session.Token = tokens.Issue(new SessionClaims(info.SessionId, info.SmartAGId, info.UserName, user.SessionGeneration,
            decision.LoginId, decision.ExpiresAt, tokens.StampOf(user.PasswordHash)));
        IDisposable registration;
        try
        {
            registration = await registry.RegisterAsync(session, cancellationToken);
        }
        catch
        {
            ReleaseAddress(instance.SmartAGId, leased);
            session.Dispose();
            throw;
        }

        directory.Add(session);
        session.OnClosed(() =>
        {
            registration.Dispose();
            directory.Remove(session);
            ReleaseAddress(instance.SmartAGId, leased);
        });

        // A kick that committed between the password check and the registration above did not see this session;
        // re-reading the generation after registering closes that gap (the kick bumps first, then closes).
        var current = await users.FindUserAsync(instance.SmartAGId, user.UserName, cancellationToken);
        if (current is null || current.SessionGeneration != user.SessionGeneration || current.State != UserState.Enabled)
        {
            session.MarkReceiveEnded();
            await session.CloseAsync(SessionCloseReason.KickedOut, CancellationToken.None);
            session.Dispose();
            return (null, null);
        }

        await session.SendAsync(new OnlineMessage
        {
            SessionId = info.SessionId,
            Token = session.Token,
            ClientIp = info.ClientIp,
            Dns = instance.AppDns,
            KeepaliveSeconds = (int)options.KeepaliveInterval.TotalSeconds,
        }, cancellationToken);
        logger.LogInformation("Session {SessionId} of {UserName} on {SmartAGId} online from {Peer} as {ClientIp}", info.SessionId, info.UserName, info.SmartAGId, info.PeerAddress, info.ClientIp);
        return (session, receiving);
    }

    /// <summary>
    /// The login decision, or null when the client left (closed, reset or dead) while its check was queued: its place in
    /// the <see cref="PasswordCheckGate"/> is given up rather than spent on a client that is gone. Not under
    /// <see cref="LoginTimeout"/>: a storm makes the check slow, and slow is not a reason to refuse.
    /// </summary>
    private async Task<LoginDecision?> VerifyWhileConnectedAsync(LoginRequest login, IPAddress peer, Task<SessionCloseReason> receiving, CancellationToken cancellationToken)
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
    /// Reads control messages until the session ends and returns why, as seen from here. Not cancellable on
    /// purpose: cancelling a WebSocket receive aborts the socket, which would cut a server-side goodbye short.
    /// When the server closes, the client's answering close frame ends this loop (or the abort in the goodbye
    /// does), and the close path, already running with the real reason, ignores the reason returned here.
    /// </summary>
    private static async Task<SessionCloseReason> ReceiveUntilEndAsync(WebSocket socket)
    {
        try
        {
            while (true)
            {
                var payload = await ReceiveTextAsync(socket, CancellationToken.None);
                if (payload is null || ControlJson.TypeOf(payload) == "logout")
                {
                    return SessionCloseReason.ClientClosed;
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or InvalidDataException or IOException or ObjectDisposedException)
        {
            // The keepalive timeout aborts the socket, which surfaces here; so does a reset connection.
            return SessionCloseReason.KeepaliveTimeout;
        }
    }

    /// <summary>One whole text message (null on a close frame); larger than <see cref="MaxMessageBytes"/> is a protocol error.</summary>
    private static async Task<byte[]?> ReceiveTextAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxMessageBytes];
        var length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                throw new InvalidDataException("control message too large");
            }

            var result = await socket.ReceiveAsync(buffer.AsMemory(length), cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }

            length += result.Count;
            if (result.EndOfMessage)
            {
                return buffer[..length];
            }
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

    private void ReleaseAddress(string smartAgId, IPAddress? leased)
    {
        if (leased is not null)
        {
            addresses.Release(smartAgId, leased);
        }
    }

    private static string Truncate(string value) => value.Length <= 128 ? value : value[..128];
}
