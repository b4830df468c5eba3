using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using OpenSag.Client;
using OpenSag.Gateway.Protocol;
using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.Gateway;

/// <summary>
/// The control channel refuses what its protocol does not allow and says why before it closes (issue 9 item 10):
/// no login in time, a login with a repeated key, a login or a later message in a binary frame. Driven with a raw
/// <see cref="ClientWebSocket"/>, as a third-party or hostile client would.
/// </summary>
[Collection(SerialGatewayTests.Name)]
public sealed class ControlProtocolTests
{
    /// <summary>The gateway's login timeout (10 s) and then some, for the closing message to arrive.</summary>
    private static readonly TimeSpan LoginTimeoutBound = TimeSpan.FromSeconds(20);

    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Control_NoLoginWithinTenSeconds_ClosingMessageThenCloseFrame()
    {
        await using var scenario = await GatewayScenario.StartAsync();
        using var invoker = Invoker(scenario);
        using var socket = await ConnectAsync(scenario, invoker);

        var closing = await ReceiveClosingAsync(socket, LoginTimeoutBound);

        Assert.Equal(CloseReasons.ProtocolError, closing.Reason);
        Assert.Equal("no login within 10 s", closing.Message);
        Assert.False(closing.Reconnect);
        await AssertCloseFrameAsync(socket);
    }

    [Theory]
    [InlineData("password")]
    [InlineData("Password")] // the binder matches names case-insensitively, so this is the same key again
    public async Task Control_LoginRepeatingAKey_RefusedSayingWhy(string secondKey)
    {
        await using var scenario = await GatewayScenario.StartAsync();
        var smartAgId = await scenario.CreateInstanceAsync();
        const string user = "rosa-repeats";
        await scenario.CreateUserAsync(smartAgId, user);
        using var invoker = Invoker(scenario);
        using var socket = await ConnectAsync(scenario, invoker);

        // The last value is the right password: a reader that keeps the last of repeated keys would admit this.
        var login = $$"""{"type":"login","smartAgId":"{{smartAgId}}","userName":"{{user}}","password":"Wr0ng_password","{{secondKey}}":"{{GatewayScenario.Password}}"}""";
        await socket.SendAsync(Encoding.UTF8.GetBytes(login), WebSocketMessageType.Text, true, CancellationToken.None).WaitAsync(AnswerTimeout);
        var closing = await ReceiveClosingAsync(socket, AnswerTimeout);

        Assert.Equal(CloseReasons.ProtocolError, closing.Reason);
        Assert.Equal($"the login message repeats the key \"{secondKey}\"", closing.Message);
        await AssertCloseFrameAsync(socket);
        Assert.Equal(0, await scenario.OnlineCountAsync(smartAgId, user));
    }

    [Fact]
    public async Task Control_LoginInBinaryFrame_RefusedSayingWhy()
    {
        await using var scenario = await GatewayScenario.StartAsync();
        var smartAgId = await scenario.CreateInstanceAsync();
        const string user = "sven-binary";
        await scenario.CreateUserAsync(smartAgId, user);
        using var invoker = Invoker(scenario);
        using var socket = await ConnectAsync(scenario, invoker);

        await socket.SendAsync(LoginBytes(smartAgId, user), WebSocketMessageType.Binary, true, CancellationToken.None).WaitAsync(AnswerTimeout);
        var closing = await ReceiveClosingAsync(socket, AnswerTimeout);

        Assert.Equal(CloseReasons.ProtocolError, closing.Reason);
        Assert.Equal("the first message must be a login: control messages are JSON in text frames; a binary frame arrived", closing.Message);
        await AssertCloseFrameAsync(socket);
        Assert.Equal(0, await scenario.OnlineCountAsync(smartAgId, user));
    }

    /// <summary>
    /// The control channel is one HTTP/1.1 WebSocket per connection, so the gateway's connection caps bound how many
    /// logins a source can hold open before it proves anything. Over HTTP/2 one connection carried 100 of them (2,000
    /// over 20 connections grew the server by 34 MB), a hundredfold past the caps: refused before the upgrade.
    /// </summary>
    [Fact]
    public async Task Control_WebSocketOverHttp2_RefusedBeforeUpgrade()
    {
        await using var scenario = await GatewayScenario.StartAsync();
        using var invoker = new HttpMessageInvoker(GatewayTrust.CreateHandler(scenario.Server.GatewayCertificatePath));
        using var socket = new ClientWebSocket();
        socket.Options.HttpVersion = System.Net.HttpVersion.Version20;
        socket.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;

        var refused = await Assert.ThrowsAsync<WebSocketException>(() =>
            socket.ConnectAsync(new Uri($"wss://{scenario.Server.GatewayAddress}{GatewayPaths.Control}"), invoker, CancellationToken.None).WaitAsync(AnswerTimeout));

        Assert.Contains("400", refused.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// JSON null where the login has text. The client's version and OS were read only after the address lease, so a null
    /// there (with the right password) threw past the lease: a stack trace in the log and one address of the instance
    /// gone for good per attempt. The first real login must still get the block's first address.
    /// </summary>
    [Theory]
    [InlineData("smartAgId")]
    [InlineData("userName")]
    [InlineData("clientVersion")]
    [InlineData("clientOs")]
    public async Task Control_LoginWithNullText_RefusedSayingWhyAndNoAddressLost(string nullKey)
    {
        await using var scenario = await GatewayScenario.StartAsync();
        var smartAgId = await scenario.CreateInstanceAsync("10.10.0.0/24");
        const string user = "nina-nulls";
        await scenario.CreateUserAsync(smartAgId, user);
        var login = new Dictionary<string, string?>
        {
            ["type"] = "login",
            ["smartAgId"] = smartAgId,
            ["userName"] = user,
            ["password"] = GatewayScenario.Password,
            ["clientVersion"] = "test",
            ["clientOs"] = "test",
        };
        login[nullKey] = null;
        using var invoker = Invoker(scenario);
        using (var socket = await ConnectAsync(scenario, invoker))
        {
            await socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(login), WebSocketMessageType.Text, true, CancellationToken.None).WaitAsync(AnswerTimeout);
            var closing = await ReceiveClosingAsync(socket, AnswerTimeout);

            Assert.Equal(CloseReasons.ProtocolError, closing.Reason);
            Assert.Equal("the login message is not valid JSON of the login's shape", closing.Message);
            await AssertCloseFrameAsync(socket);
        }

        Assert.DoesNotContain("unhandled exception", scenario.Server.Output, StringComparison.OrdinalIgnoreCase);
        using var valid = await ConnectAsync(scenario, invoker);
        await valid.SendAsync(LoginBytes(smartAgId, user), WebSocketMessageType.Text, true, CancellationToken.None).WaitAsync(AnswerTimeout);
        var online = JsonSerializer.Deserialize<OnlineMessage>(await ReceiveAsync(valid, AnswerTimeout), ControlJson.Options)!;
        Assert.Equal("10.10.0.1", online.ClientIp);
    }

    [Fact]
    public async Task Control_BinaryFrameAfterLogin_SessionClosedAsProtocolError()
    {
        await using var scenario = await GatewayScenario.StartAsync();
        var smartAgId = await scenario.CreateInstanceAsync();
        const string user = "tess-online";
        await scenario.CreateUserAsync(smartAgId, user);
        using var invoker = Invoker(scenario);
        using var socket = await ConnectAsync(scenario, invoker);
        await socket.SendAsync(LoginBytes(smartAgId, user), WebSocketMessageType.Text, true, CancellationToken.None).WaitAsync(AnswerTimeout);
        var online = await ReceiveAsync(socket, AnswerTimeout);
        Assert.Equal("online", ControlJson.TypeOf(online));

        await socket.SendAsync("{\"type\":\"pong\"}"u8.ToArray(), WebSocketMessageType.Binary, true, CancellationToken.None).WaitAsync(AnswerTimeout);
        var closing = await ReceiveClosingAsync(socket, AnswerTimeout);

        Assert.Equal(CloseReasons.ProtocolError, closing.Reason);
        Assert.Equal("control messages are JSON in text frames; a binary frame arrived", closing.Message);
        await AssertCloseFrameAsync(socket);
        await scenario.WaitOnlineCountAsync(smartAgId, user, 0, AnswerTimeout);
        // The session leaves the online list when its close starts; the log line comes when the close has finished.
        var logged = $"of {user} on {smartAgId} closed: ProtocolError (control messages are JSON in text frames; a binary frame arrived)";
        await Polling.UntilAsync(() => Task.FromResult(scenario.Server.Output), o => o.Contains(logged, StringComparison.Ordinal), AnswerTimeout,
            $"the server log contains \"{logged}\"");
    }

    private static HttpMessageInvoker Invoker(GatewayScenario scenario) =>
        new(GatewayTrust.CreateHandler(scenario.Server.GatewayCertificatePath));

    private static async Task<ClientWebSocket> ConnectAsync(GatewayScenario scenario, HttpMessageInvoker invoker)
    {
        var socket = new ClientWebSocket();
        socket.Options.HttpVersion = System.Net.HttpVersion.Version11;
        socket.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        try
        {
            await socket.ConnectAsync(new Uri($"wss://{scenario.Server.GatewayAddress}{GatewayPaths.Control}"), invoker, CancellationToken.None).WaitAsync(AnswerTimeout);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static byte[] LoginBytes(string smartAgId, string user) => JsonSerializer.SerializeToUtf8Bytes(
        new LoginRequest { SmartAGId = smartAgId, UserName = user, Password = GatewayScenario.Password, ClientVersion = "test", ClientOs = "test" }, ControlJson.Options);

    private static async Task<ClosingMessage> ReceiveClosingAsync(WebSocket socket, TimeSpan timeout)
    {
        var message = await ReceiveAsync(socket, timeout);
        Assert.True(ControlJson.TypeOf(message) == "closing", $"expected a closing message, got: {Encoding.UTF8.GetString(message)}");
        return JsonSerializer.Deserialize<ClosingMessage>(message, ControlJson.Options)!;
    }

    /// <summary>One whole text message; fails on a close frame or a broken connection (the gateway said nothing).</summary>
    private static async Task<byte[]> ReceiveAsync(WebSocket socket, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        var buffer = new byte[8192];
        var length = 0;
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer.AsMemory(length), deadline.Token);
            Assert.True(result.MessageType == WebSocketMessageType.Text, $"expected a text message, got {result.MessageType}");
            length += result.Count;
            if (result.EndOfMessage)
            {
                return buffer[..length];
            }
        }
    }

    private static async Task AssertCloseFrameAsync(WebSocket socket)
    {
        using var deadline = new CancellationTokenSource(AnswerTimeout);
        var result = await socket.ReceiveAsync(new byte[1024], deadline.Token);
        Assert.Equal(WebSocketMessageType.Close, result.MessageType);
        Assert.NotNull(socket.CloseStatus);
    }
}
