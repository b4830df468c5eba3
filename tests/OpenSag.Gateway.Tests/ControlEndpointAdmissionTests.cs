using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging.Abstractions;
using OpenSag.Domain;
using OpenSag.Gateway.Protocol;
using OpenSag.Gateway.Security;
using OpenSag.Gateway.Sessions;
using OpenSag.Sessions;
using OpenSag.Storage;

namespace OpenSag.Gateway.Tests;

/// <summary>
/// Admission publishes a session (registry, directory, address lease) before its last steps: the re-read of the user
/// and the "online" answer. A failure in those steps (the database gone for a moment, the client gone) must undo the
/// publication; before, the session stayed listed online for good, its address leased, with nobody reading its channel.
/// Driven over a real loopback WebSocket with fakes for the store and the address pool.
/// </summary>
public sealed class ControlEndpointAdmissionTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <param name="failure">What the re-read throws: a store outage (a timeout), or the client gone (the request's
    /// token cancelled); the latter also escaped the endpoint, a stack trace in Kestrel's log.</param>
    [Theory]
    [InlineData("store-unreachable")]
    [InlineData("client-gone")]
    public async Task HandleAsync_ReReadFailsAfterSessionPublished_SessionUnpublishedAndAddressReleased(string failure)
    {
        var options = new GatewayOptions();
        var clock = new ManualTimeProvider();
        var tokens = new SessionTokens(new byte[32]);
        var verifier = new LoginVerifier(LoginVerifierTests.StoreFake.Create(), tokens, new LoginThrottle(options, clock),
            new PasswordCheckGate(options, (_, _) => true), options, clock);
        var leases = new CountingLeases();
        var registry = new SessionRegistry();
        using var heartbeat = new ControlHeartbeat(options, clock);
        var endpoint = new ControlEndpoint(options, verifier, leases, registry, tokens, FailingUsers.Create(failure),
            heartbeat, clock, NullLogger<ControlEndpoint>.Instance);
        var (server, client) = await LoopbackWebSockets.PairAsync(Timeout);
        using (server)
        using (client)
        {
            var http = new DefaultHttpContext();
            http.Request.Protocol = HttpProtocol.Http11;
            http.Connection.RemoteIpAddress = IPAddress.Loopback;
            http.Features.Set<IHttpWebSocketFeature>(new LoopbackWebSockets.Accepted(server));

            var handling = endpoint.HandleAsync(http);
            var login = new LoginRequest { SmartAGId = LoginVerifierTests.StoreFake.InstanceId, UserName = "alice01", Password = "Passw0rd_1", ClientVersion = "test", ClientOs = "test" };
            await client.SendAsync(JsonSerializer.SerializeToUtf8Bytes(login, ControlJson.Options), WebSocketMessageType.Text, true, CancellationToken.None).WaitAsync(Timeout);
            await handling.WaitAsync(Timeout);
        }

        Assert.Equal(1, leases.Leased);
        Assert.Equal(0, registry.Count);
        Assert.Equal(1, leases.Released);
    }

    /// <summary>A gateway without <c>--tun</c> says so to a <c>connect --tun</c> login, before checking its password, and what either side can do about it.</summary>
    [Fact]
    public async Task HandleAsync_TunLoginWithoutLayer3_RefusedTunUnavailableBeforeAnyLease()
    {
        var options = new GatewayOptions();
        var clock = new ManualTimeProvider();
        var tokens = new SessionTokens(new byte[32]);
        var verifier = new LoginVerifier(LoginVerifierTests.StoreFake.Create(), tokens, new LoginThrottle(options, clock),
            new PasswordCheckGate(options, (_, _) => true), options, clock);
        var leases = new CountingLeases();
        var registry = new SessionRegistry();
        using var heartbeat = new ControlHeartbeat(options, clock);
        var endpoint = new ControlEndpoint(options, verifier, leases, registry, tokens, FailingUsers.Create("client-gone"),
            heartbeat, clock, NullLogger<ControlEndpoint>.Instance);
        var (server, client) = await LoopbackWebSockets.PairAsync(Timeout);
        using (server)
        using (client)
        {
            var http = new DefaultHttpContext();
            http.Request.Protocol = HttpProtocol.Http11;
            http.Connection.RemoteIpAddress = IPAddress.Loopback;
            http.Features.Set<IHttpWebSocketFeature>(new LoopbackWebSockets.Accepted(server));

            var handling = endpoint.HandleAsync(http);
            var login = new LoginRequest { SmartAGId = LoginVerifierTests.StoreFake.InstanceId, UserName = "alice01", Password = "Passw0rd_1", ClientVersion = "test", ClientOs = "test", Tun = true };
            await client.SendAsync(JsonSerializer.SerializeToUtf8Bytes(login, ControlJson.Options), WebSocketMessageType.Text, true, CancellationToken.None).WaitAsync(Timeout);
            var buffer = new byte[4096];
            var received = await client.ReceiveAsync(buffer, CancellationToken.None).WaitAsync(Timeout);
            var closing = JsonSerializer.Deserialize<ClosingMessage>(buffer.AsSpan(0, received.Count), ControlJson.Options)!;
            Assert.Equal(CloseReasons.TunUnavailable, closing.Reason);
            // Both ways out, for whoever reads it: the user (drop --tun) and the operator (restart serve with it).
            Assert.Contains("connect without --tun", closing.Message, StringComparison.Ordinal);
            Assert.Contains("restart serve with --tun", closing.Message, StringComparison.Ordinal);
            await handling.WaitAsync(Timeout);
        }

        Assert.Equal(0, leases.Leased);
        Assert.Equal(0, registry.Count);
    }

    private sealed class CountingLeases : IClientIpLeases
    {
        private int _leased;
        private int _released;

        public int Leased => Volatile.Read(ref _leased);

        public int Released => Volatile.Read(ref _released);

        public Task<IPAddress?> LeaseAsync(Instance instance, string sessionId, IPAddress? preferred, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _leased);
            return Task.FromResult<IPAddress?>(IPAddress.Parse("10.0.0.1"));
        }

        public ClientIpSlice Slice => ClientIpSlice.Whole;

        public Task<bool> TryHoldStaticAsync(Instance instance, string userName, IPAddress address, string sessionId, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public Task<bool> IsHeldAsync(string smartAgId, IPAddress address, CancellationToken cancellationToken) => Task.FromResult(false);

        public void Release(string smartAgId, IPAddress address, string sessionId) => Interlocked.Increment(ref _released);
    }

    /// <summary>The user store the endpoint re-reads after publishing, failing as <see cref="Failure"/> says.</summary>
    public class FailingUsers : DispatchProxy
    {
        public string Failure { get; private set; } = "";

        public static IClientUserStore Create(string failure)
        {
            var store = Create<IClientUserStore, FailingUsers>();
            ((FailingUsers)(object)store).Failure = failure;
            return store;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) => targetMethod?.Name switch
        {
            nameof(IClientUserStore.FindUserAsync) => Failure == "client-gone"
                ? Task.FromCanceled<ClientUser?>(new CancellationToken(canceled: true))
                : Task.FromException<ClientUser?>(new TimeoutException("the database did not answer")),
            _ => throw new NotSupportedException(targetMethod?.Name),
        };
    }
}
