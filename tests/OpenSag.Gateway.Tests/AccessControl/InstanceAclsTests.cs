using System.Net;
using System.Net.WebSockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OpenSag.Domain;
using OpenSag.Gateway.AccessControl;
using OpenSag.Sessions;
using OpenSag.Storage;

namespace OpenSag.Gateway.Tests.AccessControl;

public sealed class InstanceAclsTests
{
    private const string Instance = "sag-aclinstance0000001";
    private const uint Client = 0x0A080002; // 10.8.0.2
    private const uint Server = 0x0A000514; // 10.0.5.20
    private static readonly IPAddress ServerAddress = IPAddress.Parse("10.0.5.20");
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly RuleList _store = new();
    private readonly ChangeFeed _feed = new([]);

    [Fact]
    public async Task SessionOpened_FirstSessionOfTheInstance_RulesInForceBeforeItReturns()
    {
        _store.Set(Instance, Drop("acr-80", 80));
        using var acls = Acls();

        await acls.SessionOpenedAsync(Session("s1"), CancellationToken.None).AsTask().WaitAsync(Timeout);

        var slot = Assert.IsType<InstanceAclSlot>(acls.Find(Instance));
        Assert.False(slot.Rules.EvaluateStream(Client, Server, 80).Accepts);
        Assert.True(slot.Rules.EvaluateStream(Client, Server, 81).Accepts);
    }

    [Fact]
    public async Task SessionOpened_StoreFails_PropagatesSoTheLoginIsRefused()
    {
        _store.Failure = new TimeoutException("the store is slow");
        using var acls = Acls();

        await Assert.ThrowsAsync<TimeoutException>(() => acls.SessionOpenedAsync(Session("s1"), CancellationToken.None).AsTask().WaitAsync(Timeout));
    }

    [Fact]
    public async Task SessionClosed_LastSessionOfTheInstance_SlotGone()
    {
        using var acls = Acls();
        await acls.SessionOpenedAsync(Session("s1"), CancellationToken.None).AsTask().WaitAsync(Timeout);
        await acls.SessionOpenedAsync(Session("s2"), CancellationToken.None).AsTask().WaitAsync(Timeout);

        acls.SessionClosed(Session("s1"));
        Assert.NotNull(acls.Find(Instance));
        acls.SessionClosed(Session("s2"));
        Assert.Null(acls.Find(Instance));
    }

    [Fact]
    public async Task SessionClosed_SessionItNeverHeardOpen_OtherSessionsKeepTheSlot()
    {
        // The registry tells every observer "closed" when another observer failed the publication before this one
        // heard of it: that must not count down a live session of the same instance.
        using var acls = Acls();
        await acls.SessionOpenedAsync(Session("s1"), CancellationToken.None).AsTask().WaitAsync(Timeout);

        acls.SessionClosed(Session("never-opened"));

        Assert.NotNull(acls.Find(Instance));
    }

    [Fact]
    public async Task ApplyChange_DropRuleAdded_ForbiddenStreamEndedWithTheRuleOthersKept()
    {
        using var acls = Acls();
        await acls.SessionOpenedAsync(Session("s1"), CancellationToken.None).AsTask().WaitAsync(Timeout);
        var slot = acls.Find(Instance)!;
        var (to80, client80) = await LoopbackWebSockets.PairAsync(Timeout);
        var (to443, client443) = await LoopbackWebSockets.PairAsync(Timeout);
        using (to80)
        using (client80)
        using (to443)
        using (client443)
        {
            Assert.True(slot.TryTrack(new WatchedTunnel("s1", Client, ServerAddress, 80, to80), out _));
            Assert.True(slot.TryTrack(new WatchedTunnel("s1", Client, ServerAddress, 443, to443), out _));

            _store.Set(Instance, Drop("acr-80", 80));
            await acls.ApplyChangeAsync(new ChangeNotice(ChangeNotice.AclKind, [Instance]), CancellationToken.None).WaitAsync(Timeout);

            Assert.Equal(WebSocketState.Aborted, to80.State);
            Assert.Equal(WebSocketState.Open, to443.State);
            // The client hears why before the connection drops: the destination and the rule, not a bare abort.
            await AssertEndedByAsync(client80, "10.0.5.20:80 is now refused by the instance's ACL (rule acr-80)");
            Assert.False(slot.TryTrack(new WatchedTunnel("s1", Client, ServerAddress, 80, to80), out var rule));
            Assert.Equal("acr-80", rule);
        }
    }

    [Fact]
    public async Task ApplyChange_SlashZeroDropAddedWithIpv6StreamTracked_StreamEnded()
    {
        // DestCidr 0.0.0.0/0 is every address, so a drop added later ends a stream to IPv6 too, named [ADDRESS]:PORT.
        using var acls = Acls();
        await acls.SessionOpenedAsync(Session("s1"), CancellationToken.None).AsTask().WaitAsync(Timeout);
        var slot = acls.Find(Instance)!;
        var (toV6, clientV6) = await LoopbackWebSockets.PairAsync(Timeout);
        using (toV6)
        using (clientV6)
        {
            Assert.True(slot.TryTrack(new WatchedTunnel("s1", Client, IPAddress.Parse("2001:db8::20"), 443, toV6), out _));

            _store.Set(Instance, Drop("acr-443", 443));
            await acls.ApplyChangeAsync(new ChangeNotice(ChangeNotice.AclKind, [Instance]), CancellationToken.None).WaitAsync(Timeout);

            Assert.Equal(WebSocketState.Aborted, toV6.State);
            await AssertEndedByAsync(clientV6, "[2001:db8::20]:443 is now refused by the instance's ACL (rule acr-443)");
        }
    }

    [Fact]
    public async Task ApplyChange_ThroughTheFeed_AppliedBeforePublishReturns()
    {
        using var acls = Acls();
        await acls.StartAsync(CancellationToken.None).WaitAsync(Timeout);
        try
        {
            await acls.SessionOpenedAsync(Session("s1"), CancellationToken.None).AsTask().WaitAsync(Timeout);
            _store.Set(Instance, Drop("acr-80", 80));

            await _feed.PublishAsync(new ChangeNotice(ChangeNotice.AclKind, [Instance]), CancellationToken.None).WaitAsync(Timeout);

            Assert.False(acls.Find(Instance)!.Rules.EvaluateStream(Client, Server, 80).Accepts);
        }
        finally
        {
            await acls.StopAsync(CancellationToken.None).WaitAsync(Timeout);
        }
    }

    [Fact]
    public async Task ApplyChange_OtherKindOrInstanceWithoutSessions_StoreNotRead()
    {
        using var acls = Acls();

        await acls.ApplyChangeAsync(new ChangeNotice(ChangeNotice.AclKind, [Instance]), CancellationToken.None).WaitAsync(Timeout);
        await acls.ApplyChangeAsync(new ChangeNotice("other", [Instance]), CancellationToken.None).WaitAsync(Timeout);

        Assert.Equal(0, _store.Reads);
        Assert.Null(acls.Find(Instance));
    }

    [Fact]
    public async Task Reconcile_NoticeLost_NextTickClosesTheStreamTheRulesNowForbid()
    {
        var time = new ManualTimeProvider();
        using var acls = Acls(time);
        await acls.SessionOpenedAsync(Session("s1"), CancellationToken.None).AsTask().WaitAsync(Timeout);
        var (server, client) = await LoopbackWebSockets.PairAsync(Timeout);
        using (server)
        using (client)
        {
            Assert.True(acls.Find(Instance)!.TryTrack(new WatchedTunnel("s1", Client, ServerAddress, 80, server), out _));
            await acls.StartAsync(CancellationToken.None).WaitAsync(Timeout);
            try
            {
                // Written, but its notice never arrives: only the reconcile can apply it.
                _store.Set(Instance, Drop("acr-80", 80));
                var ended = client.ReceiveAsync(new byte[16], CancellationToken.None);

                time.Advance(InstanceAcls.ReconcileInterval - TimeSpan.FromTicks(1));
                Assert.Equal(1, _store.Reads);
                time.Advance(TimeSpan.FromTicks(1));

                // The server end's close frame names the rule, then its abort drops the connection.
                var end = await ended.WaitAsync(Timeout);
                Assert.Equal(WebSocketMessageType.Close, end.MessageType);
                Assert.Equal(WebSocketCloseStatus.PolicyViolation, end.CloseStatus);
                Assert.Equal("10.0.5.20:80 is now refused by the instance's ACL (rule acr-80)", end.CloseStatusDescription);
                Assert.Equal(WebSocketState.Aborted, server.State);
            }
            finally
            {
                await acls.StopAsync(CancellationToken.None).WaitAsync(Timeout);
            }
        }
    }

    [Fact]
    public async Task ApplyChange_StoreFailsForOneInstance_OthersAppliedAndThePublisherNotFailed()
    {
        const string Other = "sag-aclinstance0000002";
        using var acls = Acls();
        await acls.SessionOpenedAsync(Session("s1"), CancellationToken.None).AsTask().WaitAsync(Timeout);
        await acls.SessionOpenedAsync(Session("s2") with { SmartAGId = Other }, CancellationToken.None).AsTask().WaitAsync(Timeout);
        _store.Set(Other, Drop("acr-80", 80));
        _store.Failure = new TimeoutException("the store is slow");
        _store.FailingInstance = Instance;

        // One notice for both (a DeleteACL of an ACL both had, or a rule of it): the write has committed, so a failed
        // read is the reconcile's to repair, not an error for the API call that published it (which would skip the
        // broadcast to the other nodes) nor a reason to leave the next instance on its old rules.
        await acls.ApplyChangeAsync(new ChangeNotice(ChangeNotice.AclKind, [Instance, Other]), CancellationToken.None).WaitAsync(Timeout);

        Assert.False(acls.Find(Other)!.Rules.EvaluateStream(Client, Server, 80).Accepts);
    }

    [Fact]
    public void Apply_OlderTicketAfterANewerOne_Dropped()
    {
        var slot = new InstanceAclSlot(Instance);
        var older = slot.NextTicket();
        var newer = slot.NextTicket();

        Assert.NotNull(slot.Apply(AclRules(Drop("acr-80", 80)), newer));
        Assert.Null(slot.Apply(OpenSag.AccessControl.AclRuleSet.Empty, older));

        Assert.False(slot.Rules.EvaluateStream(Client, Server, 80).Accepts);
    }

    [Fact]
    public async Task Reload_RuleThatDoesNotCompile_LoggedOnceOthersEnforced()
    {
        var logger = new CountingLogger();
        _store.Set(Instance, Drop("acr-80", 80), Drop("acr-bad", 81) with { DestCidr = "10.0.5.20" });
        using var acls = new InstanceAcls(_store, _feed, TimeProvider.System, logger);
        await acls.SessionOpenedAsync(Session("s1"), CancellationToken.None).AsTask().WaitAsync(Timeout);
        await acls.ReconcileAsync(CancellationToken.None).WaitAsync(Timeout);
        await acls.ReconcileAsync(CancellationToken.None).WaitAsync(Timeout);

        Assert.Equal(1, logger.Errors);
        Assert.False(acls.Find(Instance)!.Rules.EvaluateStream(Client, Server, 80).Accepts);
    }

    private static async Task AssertEndedByAsync(WebSocket client, string reason)
    {
        var end = await client.ReceiveAsync(new byte[16], CancellationToken.None).WaitAsync(Timeout);
        Assert.Equal(WebSocketMessageType.Close, end.MessageType);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, end.CloseStatus);
        Assert.Equal(reason, end.CloseStatusDescription);
    }

    private InstanceAcls Acls(TimeProvider? time = null) => new(_store, _feed, time ?? TimeProvider.System, NullLogger<InstanceAcls>.Instance);

    private static OnlineSessionInfo Session(string id) => new()
    {
        SessionId = id,
        SmartAGId = Instance,
        UserName = "alice",
        ClientIp = "10.8.0.2",
        OnlineSince = DateTimeOffset.UnixEpoch,
    };

    private static OpenSag.AccessControl.AclRuleSet AclRules(params AclRule[] rules) => OpenSag.AccessControl.AclRuleSet.Compile(rules, out _);

    private static AclRule Drop(string acrId, int port) => new()
    {
        AclId = "acl-test",
        AcrId = acrId,
        Direction = "out",
        Policy = "drop",
        IpProtocol = "TCP",
        SourceCidr = "0.0.0.0/0",
        SourcePortRange = "-1/-1",
        DestCidr = "0.0.0.0/0",
        DestPortRange = $"{port}/{port}",
        Priority = 1,
        CreatedAt = DateTimeOffset.UnixEpoch,
    };

    private sealed class CountingLogger : ILogger<InstanceAcls>
    {
        private int _errors;

        public int Errors => Volatile.Read(ref _errors);

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel == LogLevel.Error)
            {
                Interlocked.Increment(ref _errors);
            }
        }
    }

    /// <summary>The one read the gateway makes, over a list per instance; the ACL actions' writes are the API's tests'.</summary>
    private sealed class RuleList : IAclStore
    {
        private readonly Lock _gate = new();
        private readonly Dictionary<string, AclRule[]> _rules = [];
        private int _reads;

        public Exception? Failure { get; set; }

        /// <summary>The one instance whose reads fail with <see cref="Failure"/>; null for every instance.</summary>
        public string? FailingInstance { get; set; }

        public int Reads => Volatile.Read(ref _reads);

        public void Set(string smartAgId, params AclRule[] rules)
        {
            lock (_gate)
            {
                _rules[smartAgId] = rules;
            }
        }

        public Task<IReadOnlyList<AclRule>> GetInstanceRulesAsync(string smartAgId, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _reads);
            if (Failure is { } failure && (FailingInstance is null || FailingInstance == smartAgId))
            {
                return Task.FromException<IReadOnlyList<AclRule>>(failure);
            }

            lock (_gate)
            {
                IReadOnlyList<AclRule> rules = _rules.GetValueOrDefault(smartAgId) ?? [];
                return Task.FromResult(rules);
            }
        }

        public Task<AclWriteResult> TryAddAclAsync(Acl acl, int aclLimit, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<Acl?> FindAclAsync(string regionId, string aclId, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<Page<AclSummary>> ListAclsAsync(AclFilter filter, int pageNumber, int pageSize, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<bool> RenameAclAsync(string regionId, string aclId, string name, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<string>?> DeleteAclAsync(string regionId, string aclId, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<AclWriteResult> TryAddRuleAsync(string regionId, AclRule rule, int ruleLimit, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<AclRule?> UpdateRuleAsync(AclRuleChange change, Func<AclRule, bool> keep, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<bool> DeleteRuleAsync(string regionId, string aclId, string acrId, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<Page<AclRule>?> ListRulesAsync(AclRuleFilter filter, int pageNumber, int pageSize, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<AclWriteResult> AssociateAsync(string regionId, string aclId, string smartAgId, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<AclWriteResult> DisassociateAsync(string regionId, string aclId, string smartAgId, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
