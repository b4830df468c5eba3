using System.Text.Json;
using System.Text.Json.Serialization;

namespace OpenSag.Gateway.Protocol;

/// <summary>
/// The control channel: one WebSocket over HTTP/1.1 at <see cref="GatewayPaths.Control"/>, held for the whole
/// session (the thin thing an idle user costs, DESIGN.md §4). Text frames carry one JSON message each:
/// the client sends <see cref="LoginRequest"/> first; the server answers <see cref="OnlineMessage"/> or
/// <see cref="ClosingMessage"/>, and later sends <see cref="ClosingMessage"/> before it closes for any reason.
/// A message is a JSON object with a string <c>type</c> and each key once; a binary frame, a repeated key or
/// anything else is a protocol error. Keepalive: the server sends <see cref="ControlJson.Ping"/> to a client it has
/// not heard from for half the keepalive interval and the client answers <see cref="ControlJson.Pong"/> (message
/// level, because a WebSocket pong is not visible to the receiving application); the client logs out with
/// <see cref="ControlJson.Logout"/>.
/// </summary>
public static class GatewayPaths
{
    public const string Control = "/v1/control";
    public const string Tunnel = "/v1/tunnel";

    /// <summary>
    /// The layer-3 data channel's TLS fallback (DESIGN.md §4.1): a WebSocket (RFC 6455) over HTTP/1.1 opened with the
    /// session's token (<see cref="TunnelHeaders.Authorization"/>), carrying one IP packet per binary message in each
    /// direction. TLS seals it, so packets on it are not AEAD-sealed again.
    /// </summary>
    public const string Packets = "/v1/packets";
}

/// <summary>First message from the client. <see cref="ResumeToken"/> replaces the password when reconnecting.</summary>
public sealed record LoginRequest
{
    [JsonPropertyName("type")] public string Type { get; init; } = "login";
    [JsonPropertyName("smartAgId")] public string SmartAGId { get; init; } = "";
    [JsonPropertyName("userName")] public string UserName { get; init; } = "";
    [JsonPropertyName("password")] public string? Password { get; init; }
    [JsonPropertyName("resumeToken")] public string? ResumeToken { get; init; }
    [JsonPropertyName("clientVersion")] public string ClientVersion { get; init; } = "";
    [JsonPropertyName("clientOs")] public string ClientOs { get; init; } = "";

    /// <summary>
    /// True when the client wants the layer-3 data channel (<c>connect --tun</c>): the answer then carries
    /// <see cref="OnlineMessage.DataChannel"/>, or the login is refused with <see cref="CloseReasons.TunUnavailable"/>
    /// when the gateway runs without one.
    /// </summary>
    [JsonPropertyName("tun")] public bool Tun { get; init; }

    /// <summary>
    /// With <see cref="ResumeToken"/>: the ClientIp the resumed session had. The gateway gives it again when it is a
    /// free address of its slice (IClientIpLeases), so the connections through a
    /// <c>connect --tun</c> interface survive a gateway restart; otherwise the session gets another address.
    /// </summary>
    [JsonPropertyName("clientIp")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ClientIp { get; init; }
}

/// <summary>Login accepted: the session's address, DNS servers, and the token that opens tunnels and resumes.</summary>
public sealed record OnlineMessage
{
    [JsonPropertyName("type")] public string Type { get; init; } = "online";
    [JsonPropertyName("sessionId")] public required string SessionId { get; init; }
    [JsonPropertyName("token")] public required string Token { get; init; }
    [JsonPropertyName("clientIp")] public required string ClientIp { get; init; }
    [JsonPropertyName("dns")] public required IReadOnlyList<string> Dns { get; init; }
    [JsonPropertyName("keepaliveSeconds")] public required int KeepaliveSeconds { get; init; }

    /// <summary>What the layer-3 data channel needs, when the login asked for it (<see cref="LoginRequest.Tun"/>).</summary>
    [JsonPropertyName("dataChannel")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DataChannelOffer? DataChannel { get; init; }
}

/// <summary>
/// The session's layer-3 data channel (DESIGN.md §4.1), sent once over the TLS control channel: fresh keys, one per
/// direction, and the receiver indexes, as OpenVPN sends its data-channel keys over its TLS control channel. A
/// datagram to the gateway carries <see cref="GatewayIndex"/> and is sealed with <see cref="KeyToGateway"/>; one to
/// the client carries <see cref="ClientIndex"/> and is sealed with <see cref="KeyToClient"/>. A resumed session is a
/// new session with new keys.
/// </summary>
public sealed record DataChannelOffer
{
    /// <summary>The AEAD: <c>aes-256-gcm</c> or <c>chacha20-poly1305</c>.</summary>
    [JsonPropertyName("cipher")] public required string Cipher { get; init; }

    /// <summary>Base64 of the 32-byte key sealing datagrams from the client to the gateway.</summary>
    [JsonPropertyName("keyToGateway")] public required string KeyToGateway { get; init; }

    /// <summary>Base64 of the 32-byte key sealing datagrams from the gateway to the client.</summary>
    [JsonPropertyName("keyToClient")] public required string KeyToClient { get; init; }

    /// <summary>Receiver index the client writes in its datagrams: how the gateway finds the session and its key.</summary>
    [JsonPropertyName("gatewayIndex")] public required uint GatewayIndex { get; init; }

    /// <summary>Receiver index the gateway writes in its datagrams to the client.</summary>
    [JsonPropertyName("clientIndex")] public required uint ClientIndex { get; init; }

    /// <summary>The gateway's UDP port for the data channel, on the host the client dialled (0: no UDP, TLS only).</summary>
    [JsonPropertyName("udpPort")] public required int UdpPort { get; init; }

    /// <summary>Prefix length of the instance's CidrBlock: the client's interface gets ClientIp/prefixLength.</summary>
    [JsonPropertyName("prefixLength")] public required int PrefixLength { get; init; }

    /// <summary>MTU for the client's interface, bytes: room for the encapsulation inside a 1500-byte path.</summary>
    [JsonPropertyName("mtu")] public required int Mtu { get; init; }

    /// <summary>Networks (CIDR) the client routes through its interface (<c>serve --client-routes</c>).</summary>
    [JsonPropertyName("routes")] public required IReadOnlyList<string> Routes { get; init; }
}

/// <summary>Why the server is ending (or refusing) the session, and whether the client may come back.</summary>
public sealed record ClosingMessage
{
    [JsonPropertyName("type")] public string Type { get; init; } = "closing";
    [JsonPropertyName("reason")] public required string Reason { get; init; }
    [JsonPropertyName("message")] public required string Message { get; init; }
    [JsonPropertyName("reconnect")] public required bool Reconnect { get; init; }

    /// <summary>With <see cref="CloseReasons.RateLimited"/>: whole seconds until a login may be tried again.</summary>
    [JsonPropertyName("retryAfterSeconds")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? RetryAfterSeconds { get; init; }
}

/// <summary>Reason codes on the wire (<see cref="ClosingMessage.Reason"/>).</summary>
public static class CloseReasons
{
    public const string LoginRefused = "login-refused";

    /// <summary>Too many failed logins for this user from this source (or from many), or too many checks queued from
    /// this source: not a verdict on the password. Carries <see cref="ClosingMessage.RetryAfterSeconds"/>.</summary>
    public const string RateLimited = "rate-limited";

    /// <summary>A resume token that can no longer resume (expired, logged out, from before a password reset, or not
    /// issued by this gateway) while the user's sessions were not ended by the administrator: the client may log in
    /// with its password.</summary>
    public const string SessionExpired = "session-expired";
    public const string KickedOut = "kicked-out";
    public const string UserDisabled = "user-disabled";
    public const string UserDeleted = "user-deleted";
    public const string UserMoved = "user-moved";
    public const string ServerShutdown = "server-shutdown";
    public const string ClientClosed = "client-closed";
    public const string KeepaliveTimeout = "keepalive-timeout";
    public const string ConnectionLost = "connection-lost";
    public const string ProtocolError = "protocol-error";

    /// <summary>An administrator ended this one session (not the user's others); like a kick, the client does not
    /// reconnect (<see cref="ClosingMessage.Reconnect"/> false), so a client that predates this code exits as kicked.</summary>
    public const string Disconnected = "disconnected";

    /// <summary>The login asked for the layer-3 data channel (<see cref="LoginRequest.Tun"/>) and this gateway runs
    /// without one (<c>serve</c> without <c>--tun</c>): not a verdict on the account.</summary>
    public const string TunUnavailable = "tun-unavailable";
}

public static class ControlJson
{
    /// <summary>
    /// Binding as the web defaults (camelCase, names matched case-insensitively), refusing a repeated key, and refusing
    /// JSON null for a property that is not nullable (a <see cref="JsonException"/>): without it a peer's
    /// <c>"clientVersion":null</c> became a null the reader's code does not expect, thrown past the address lease.
    /// </summary>
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { AllowDuplicateProperties = false, RespectNullableAnnotations = true };

    /// <summary>The server's keepalive probe; any message from the client counts as an answer.</summary>
    public static ReadOnlySpan<byte> Ping => "{\"type\":\"ping\"}"u8;

    /// <summary>The client's answer to <see cref="Ping"/>.</summary>
    public static ReadOnlySpan<byte> Pong => "{\"type\":\"pong\"}"u8;

    /// <summary>The client ends its session.</summary>
    public static ReadOnlySpan<byte> Logout => "{\"type\":\"logout\"}"u8;

    /// <summary>
    /// Reads the <c>type</c> of a message without binding the rest; null unless the message is a JSON object with a
    /// string <c>type</c> and no repeated key (a repeated <c>type</c> would let two readers see two messages).
    /// </summary>
    public static string? TypeOf(ReadOnlySpan<byte> utf8)
    {
        try
        {
            if (FindRepeatedKey(utf8) is not null)
            {
                return null;
            }

            var reader = new Utf8JsonReader(utf8);
            using var document = JsonDocument.ParseValue(ref reader);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String
                ? t.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// The first key that appears twice in one object, compared case-insensitively as <see cref="Options"/> binds
    /// names; null when every key is unique.
    /// </summary>
    /// <exception cref="JsonException">The text is not one valid JSON value.</exception>
    public static string? FindRepeatedKey(ReadOnlySpan<byte> utf8)
    {
        var reader = new Utf8JsonReader(utf8);
        var scopes = new Stack<HashSet<string>?>();
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                    scopes.Push(new HashSet<string>(StringComparer.OrdinalIgnoreCase));
                    break;
                case JsonTokenType.StartArray:
                    scopes.Push(null);
                    break;
                case JsonTokenType.EndObject or JsonTokenType.EndArray:
                    scopes.Pop();
                    break;
                case JsonTokenType.PropertyName when !scopes.Peek()!.Add(reader.GetString()!):
                    return reader.GetString();
            }
        }

        return null;
    }
}

/// <summary>Headers of a tunnel request (<see cref="GatewayPaths.Tunnel"/>, a WebSocket, RFC 6455).</summary>
public static class TunnelHeaders
{
    /// <summary><c>Bearer &lt;token&gt;</c> from <see cref="OnlineMessage.Token"/>.</summary>
    public const string Authorization = "Authorization";

    /// <summary><c>host:port</c> the stream should reach.</summary>
    public const string Destination = "x-opensag-destination";

    /// <summary>On a refused tunnel, a one-line reason for the user.</summary>
    public const string Refusal = "x-opensag-refusal";
}
