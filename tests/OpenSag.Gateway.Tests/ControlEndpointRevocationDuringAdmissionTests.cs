using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Reflection;
using System.Text;
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
/// A kick, disable or delete that lands at any step of a login's admission (DESIGN.md §4.2) leaves nothing behind:
/// no session table entry, no cluster row (observer), no address lease. Each step is reached through a seam
/// admission already calls (the address pool, the session observer, the user re-read), where the revocation runs
/// to completion exactly as the API runs it (<see cref="SessionRevoker"/>) before admission goes on. Before the
/// session owned its lifecycle, a revocation that closed the session while it was being published ran a close path
/// with nothing attached to undo yet: the entry and the lease stayed for good.
/// </summary>
public sealed class ControlEndpointRevocationDuringAdmissionTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <param name="point">Where the revocation lands: while the address is leased, while the session is told to the
    /// observers (the cluster's row), while the user is re-read after publication, or once the client is online.</param>
    /// <param name="action">What the administrator did: kick (generation bumped), disable or delete.</param>
    [Theory]
    [InlineData("lease", "kick")]
    [InlineData("lease", "disable")]
    [InlineData("lease", "delete")]
    [InlineData("observer", "kick")]
    [InlineData("observer", "disable")]
    [InlineData("observer", "delete")]
    [InlineData("reread", "kick")]
    [InlineData("reread", "disable")]
    [InlineData("reread", "delete")]
    [InlineData("online", "kick")]
    [InlineData("online", "disable")]
    [InlineData("online", "delete")]
    public async Task HandleAsync_RevokedDuringAdmission_NothingLeftBehind(string point, string action)
    {
        var options = new GatewayOptions();
        var clock = new ManualTimeProvider();
        var tokens = new SessionTokens(new byte[32]);
        var verifier = new LoginVerifier(LoginVerifierTests.StoreFake.Create(), tokens, new LoginThrottle(options, clock),
            new PasswordCheckGate(options, (_, _) => true), options, clock);
        var users = MutableUsers.Create();
        var observer = new RecordingObserver();
        var registry = new SessionRegistry([observer]);
        var leases = new HookedLeases();
        var revoked = 0;
        var closedByRevocation = -1;

        // The revocation as the API performs it: the store change commits first, then the node's sessions close.
        async Task RevokeAsync()
        {
            Interlocked.Increment(ref revoked);
            var (reason, generation) = MutableUsers.Apply(users, action);
            closedByRevocation = await new SessionRevoker(registry, new SingleNodeAnnouncer())
                .RevokeAsync(new SessionRevocation(LoginVerifierTests.StoreFake.InstanceId, "alice01", generation, reason), CancellationToken.None)
                .WaitAsync(Timeout);
        }

        Func<Task> hook = RevokeAsync;
        switch (point)
        {
            case "lease":
                leases.During = hook;
                break;
            case "observer":
                observer.During = hook;
                break;
            case "reread":
                MutableUsers.Of(users).During = hook;
                break;
        }

        string? last;
        using var heartbeat = new ControlHeartbeat(options, clock);
        var endpoint = new ControlEndpoint(options, verifier, leases, registry, tokens, users, heartbeat, clock, NullLogger<ControlEndpoint>.Instance);
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
            var first = await ReceiveTextAsync(client);
            // The client answers the gateway's close, as ours does, so the goodbye ends without its timeout.
            var draining = first is null ? Task.FromResult(first) : DrainAsync(client);
            if (point == "online")
            {
                Assert.Contains("\"online\"", first, StringComparison.Ordinal);
                await RevokeAsync();
            }

            last = await draining.WaitAsync(Timeout) ?? first;
            await handling.WaitAsync(Timeout);
        }

        Assert.Equal(1, Volatile.Read(ref revoked));

        // Published sessions are closed by the revocation itself; one it could not see yet is closed by admission's
        // re-read. Either way the client hears why, once.
        Assert.Equal(point is "reread" or "online" ? 1 : 0, closedByRevocation);
        Assert.NotNull(last);
        using (var closing = JsonDocument.Parse(last))
        {
            Assert.Equal("closing", closing.RootElement.GetProperty("type").GetString());
            Assert.Equal(action switch { "kick" => CloseReasons.KickedOut, "disable" => CloseReasons.UserDisabled, _ => CloseReasons.UserDeleted },
                closing.RootElement.GetProperty("reason").GetString());
        }

        Assert.Equal(0, registry.Count);
        Assert.Empty(registry.All());
        Assert.Equal(0, registry.CountByUser(LoginVerifierTests.StoreFake.InstanceId, "alice01"));
        Assert.Empty(registry.FindByClientIp("10.0.0.1"));
        Assert.Equal(1, leases.Leased);
        Assert.Equal(1, leases.Released);
        Assert.Equal(observer.Opened, observer.Closed);
    }

    /// <summary>Reads until the gateway's close (answered) and returns the last text message before it, if any.</summary>
    private static async Task<string?> DrainAsync(WebSocket client)
    {
        string? last = null;
        while (await ReceiveTextAsync(client) is { } message)
        {
            last = message;
        }

        return last;
    }

    /// <summary>The next text message, or null once the gateway closed (the close answered here).</summary>
    private static async Task<string?> ReceiveTextAsync(WebSocket client)
    {
        var buffer = new byte[16 * 1024];
        var message = new MemoryStream();
        while (true)
        {
            var result = await client.ReceiveAsync(buffer, CancellationToken.None).WaitAsync(Timeout);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                await client.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).WaitAsync(Timeout);
                return null;
            }

            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                return Encoding.UTF8.GetString(message.ToArray());
            }
        }
    }

    /// <summary>An address pool that runs <see cref="During"/> before handing out its one address.</summary>
    private sealed class HookedLeases : IClientIpLeases
    {
        private int _leased;
        private int _released;

        public Func<Task>? During { get; set; }

        public int Leased => Volatile.Read(ref _leased);

        public int Released => Volatile.Read(ref _released);

        public async Task<IPAddress?> LeaseAsync(Instance instance, string sessionId, IPAddress? preferred, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _leased);
            if (During is { } during)
            {
                await during();
            }

            return IPAddress.Parse("10.0.0.1");
        }

        public ClientIpSlice Slice => ClientIpSlice.Whole;

        public Task<bool> TryHoldStaticAsync(Instance instance, string userName, IPAddress address, string sessionId, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public Task<bool> IsHeldAsync(string smartAgId, IPAddress address, CancellationToken cancellationToken) => Task.FromResult(false);

        public void Release(string smartAgId, IPAddress address, string sessionId) => Interlocked.Increment(ref _released);
    }

    /// <summary>The cluster's view of the session table: every session told opened must be told closed.</summary>
    private sealed class RecordingObserver : ISessionObserver
    {
        private readonly Lock _gate = new();
        private readonly List<string> _opened = [];
        private readonly List<string> _closed = [];

        public Func<Task>? During { get; set; }

        public IReadOnlyList<string> Opened
        {
            get
            {
                lock (_gate)
                {
                    return [.. _opened];
                }
            }
        }

        public IReadOnlyList<string> Closed
        {
            get
            {
                lock (_gate)
                {
                    return [.. _closed.Distinct()];
                }
            }
        }

        public async ValueTask SessionOpenedAsync(OnlineSessionInfo session, CancellationToken cancellationToken)
        {
            lock (_gate)
            {
                _opened.Add(session.SessionId);
            }

            if (During is { } during)
            {
                await during();
            }
        }

        public void SessionClosed(OnlineSessionInfo session)
        {
            lock (_gate)
            {
                _closed.Add(session.SessionId);
            }
        }
    }

    /// <summary>The user store admission re-reads after publishing: the stored user, which a revocation changes.</summary>
    public class MutableUsers : DispatchProxy
    {
        private ClientUser? _user = new()
        {
            SmartAGId = LoginVerifierTests.StoreFake.InstanceId,
            UserName = "alice01",
            UserMail = "alice01@example.com",
            Bandwidth = 1000,
            PasswordHash = "stored",
            SessionGeneration = 3,
            CreatedAt = DateTimeOffset.UnixEpoch,
        };

        public Func<Task>? During { get; set; }

        public static IClientUserStore Create() => Create<IClientUserStore, MutableUsers>();

        public static MutableUsers Of(IClientUserStore store) => (MutableUsers)(object)store;

        /// <summary>Commits the administrator's action and returns the revocation it makes, as the API does.</summary>
        public static (SessionCloseReason Reason, long Generation) Apply(IClientUserStore store, string action)
        {
            var users = Of(store);
            var user = users._user!;
            switch (action)
            {
                case "kick":
                    users._user = user with { SessionGeneration = user.SessionGeneration + 1 };
                    return (SessionCloseReason.KickedOut, user.SessionGeneration + 1);
                case "disable":
                    users._user = user with { State = UserState.Disabled, SessionGeneration = user.SessionGeneration + 1 };
                    return (SessionCloseReason.UserDisabled, SessionRevocation.AllGenerations);
                default:
                    users._user = null;
                    return (SessionCloseReason.UserDeleted, SessionRevocation.AllGenerations);
            }
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) => targetMethod?.Name switch
        {
            nameof(IClientUserStore.FindUserAsync) => FindAsync(),
            _ => throw new NotSupportedException(targetMethod?.Name),
        };

        private async Task<ClientUser?> FindAsync()
        {
            if (During is { } during)
            {
                During = null;
                await during();
            }

            return _user;
        }
    }
}
