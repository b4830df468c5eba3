using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using OpenSag.Domain;
using OpenSag.Gateway.AccessControl;
using OpenSag.Gateway.Protocol;
using OpenSag.Gateway.Sessions;

namespace OpenSag.Gateway.Tunnels;

/// <summary>
/// <see cref="GatewayPaths.Tunnel"/>: one tunnelled TCP stream per WebSocket, each over an HTTP/1.1 TLS connection of
/// its own (see <c>ClientSession.OpenTunnelAsync</c> for why); one over HTTP/2 (RFC 8441) is refused.
/// The token must name a live session of this gateway; the destination must pass the tunnel policy, then the ACL of
/// the session's instance (DESIGN.md §6), which keeps watching the stream: a change that forbids it ends it. A
/// refusal is an HTTP status with a one-line reason header, and the session stays up.
/// </summary>
public sealed class TunnelEndpoint(
    GatewayOptions options,
    SessionBearer bearer,
    DestinationPolicy policy,
    InstanceAcls acls,
    UserBandwidth bandwidth,
    FlowMeter flow,
    GatewayDescriptors descriptors,
    ILogger<TunnelEndpoint> logger)
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);

    public async Task HandleAsync(HttpContext http)
    {
        if (!http.WebSockets.IsWebSocketRequest)
        {
            await RefuseAsync(http, StatusCodes.Status400BadRequest, "a tunnel is a WebSocket");
            return;
        }

        // One stream per connection, so the gateway's connection caps bound the streams a source holds, each with a
        // socket to its destination; HTTP/2 carries 100 per connection past them (as for the control channel).
        if (!HttpProtocol.IsHttp11(http.Request.Protocol))
        {
            await RefuseAsync(http, StatusCodes.Status400BadRequest, "a tunnel is a WebSocket over HTTP/1.1");
            return;
        }

        var session = bearer.Authenticate(http.Request.Headers[TunnelHeaders.Authorization].ToString());
        if (session is null)
        {
            await RefuseAsync(http, StatusCodes.Status401Unauthorized, "the session is not online on this gateway");
            return;
        }

        var destination = http.Request.Headers[TunnelHeaders.Destination].ToString();
        if (!TryParseDestination(destination, out var host, out var port))
        {
            await RefuseAsync(http, StatusCodes.Status400BadRequest, $"'{destination}' is not HOST:PORT");
            return;
        }

        IPAddress[] candidates;
        try
        {
            candidates = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, http.RequestAborted);
        }
        catch (SocketException)
        {
            await RefuseAsync(http, StatusCodes.Status502BadGateway, $"cannot resolve {host}");
            return;
        }

        var allowed = candidates.Where(policy.Allows).ToArray();
        if (allowed.Length == 0)
        {
            logger.LogInformation("Session {SessionId}: tunnel to {Destination} refused by policy", session.Info.SessionId, destination);
            await RefuseAsync(http, StatusCodes.Status403Forbidden, $"{destination} is not allowed by the gateway's tunnel policy");
            return;
        }

        // The session is online, so its instance's slot is loaded (InstanceAcls loads it before publication) until its
        // last session closes; none means this one is closing.
        var acl = acls.Find(session.Info.SmartAGId);
        if (acl is null || !IPAddress.TryParse(session.Info.ClientIp, out var clientAddress) || !InstanceAclSlot.TryIpv4(clientAddress, out var clientIp))
        {
            await RefuseAsync(http, StatusCodes.Status401Unauthorized, "the session is not online on this gateway");
            return;
        }

        var verdicts = allowed.Select(a => acl.EvaluateStream(clientIp, a, port)).ToArray();
        if (!verdicts.Any(v => v.Accepts))
        {
            var rule = verdicts[0].AcrId;
            logger.LogInformation("Session {SessionId}: tunnel to {Destination} refused by ACL rule {AcrId}", session.Info.SessionId, destination, rule);
            await RefuseAsync(http, StatusCodes.Status403Forbidden, $"{destination} is refused by the instance's ACL (rule {rule})");
            return;
        }

        allowed = [.. allowed.Where((_, i) => verdicts[i].Accepts)];

        // The destination socket is a descriptor of the gateway's budget, as the client's connection is.
        using var descriptor = descriptors.TryAcquire();
        if (!descriptor.IsAcquired)
        {
            logger.LogInformation("Session {SessionId}: tunnel to {Destination} refused: the gateway holds {Total} connections and destination sockets, its cap", session.Info.SessionId, destination, descriptors.Total);
            await RefuseAsync(http, StatusCodes.Status503ServiceUnavailable, "the gateway is at its connection cap (--gateway-max-connections); try again later");
            return;
        }

        var socket = await ConnectAsync(allowed, port, http.RequestAborted);
        if (socket is null)
        {
            await RefuseAsync(http, StatusCodes.Status502BadGateway, $"cannot connect to {destination}");
            return;
        }

        using var webSocket = await http.WebSockets.AcceptWebSocketAsync();
        if (!session.TryAddStream(webSocket))
        {
            socket.Dispose();
            webSocket.Abort();
            return;
        }

        // Watched from here: a rule change after the check above either is seen by TryTrack or finds the stream.
        var watched = new WatchedTunnel(session.Info.SessionId, clientIp, ((IPEndPoint)socket.RemoteEndPoint!).Address, port, webSocket);
        try
        {
            if (!acl.TryTrack(watched, out var rule))
            {
                logger.LogInformation("Session {SessionId}: tunnel to {Destination} closed at once: the instance's ACL changed to refuse it (rule {AcrId})", session.Info.SessionId, destination, rule);
                socket.Dispose();
                await watched.EndAsync(InstanceAcls.RefusalReason(watched, rule));
                return;
            }

            await RelayAsync(session, webSocket, socket);
        }
        finally
        {
            acl.Untrack(watched);

            session.RemoveStream(webSocket);
        }
    }

    private Task RelayAsync(GatewaySession session, System.Net.WebSockets.WebSocket webSocket, Socket socket)
    {
        var counter = flow.For(session);
        if (!options.Shaping)
        {
            return WebSocketRelay.RunAsync(webSocket, socket,
                (n, _) => { counter.Add(n, 0); return ValueTask.CompletedTask; },
                (n, _) => { counter.Add(0, n); return ValueTask.CompletedTask; },
                WebSocketRelay.UnshapedChunkBytes, session.Closed);
        }

        var share = session.JoinBandwidth(bandwidth);
        if (share is null)
        {
            // The session started closing after the stream was added; its close path aborts the stream.
            socket.Dispose();
            webSocket.Abort();
            return Task.CompletedTask;
        }

        return WebSocketRelay.RunAsync(webSocket, socket,
            async (n, ct) => { await share.AcquireUpstreamAsync(n, ct); counter.Add(n, 0); },
            async (n, ct) => { await share.AcquireDownstreamAsync(n, ct); counter.Add(0, n); },
            share.MaxChunk, session.Closed);
    }

    private static async Task<Socket?> ConnectAsync(IPAddress[] addresses, int port, CancellationToken cancellationToken)
    {
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(ConnectTimeout);
            try
            {
                await socket.ConnectAsync(address, port, timeout.Token);
                return socket;
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                socket.Dispose();
            }
        }

        return null;
    }

    internal static bool TryParseDestination(string text, out string host, out int port)
    {
        host = "";
        port = 0;
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), System.Globalization.NumberStyles.None, null, out port) || port is < 1 or > 65535)
        {
            return false;
        }

        host = text[..colon].Trim('[', ']');
        // A host name or address literal is printable ASCII (an IDN travels as punycode); anything else names no host.
        return host.Length is > 0 and <= 253 && !host.AsSpan().ContainsAnyExceptInRange('!', '~');
    }

    /// <summary>
    /// The reason quotes what the client sent, but a response header carries only visible ASCII and spaces: Kestrel
    /// throws on anything else (a 500 and a stack trace in the log), so other characters go as <c>?</c>.
    /// </summary>
    private static async Task RefuseAsync(HttpContext http, int status, string reason)
    {
        var printable = string.Create(reason.Length, reason, static (chars, text) =>
        {
            for (var i = 0; i < text.Length; i++)
            {
                chars[i] = text[i] is >= ' ' and <= '~' ? text[i] : '?';
            }
        });
        http.Response.StatusCode = status;
        http.Response.Headers[TunnelHeaders.Refusal] = printable;
        await http.Response.WriteAsync(printable, http.RequestAborted);
    }
}
