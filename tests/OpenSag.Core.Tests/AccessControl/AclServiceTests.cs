using OpenSag.Domain;
using OpenSag.Errors;
using OpenSag.Services;
using OpenSag.Sessions;
using OpenSag.Storage;

namespace OpenSag.Core.Tests.AccessControl;

/// <summary>
/// What <see cref="AclService"/> decides beyond the store: which writes announce a change and to which instances
/// (acl12 "Change propagation"), the checks that span fields or stored state, and which error each outcome is.
/// The store is a small one over lists (<see cref="ListAclStore"/>); the engines' own behaviour is the store kit's.
/// </summary>
public sealed class AclServiceTests
{
    private const string Region = "cn-shanghai";

    private readonly ListAclStore _store = new();
    private readonly List<ChangeNotice> _notices = [];
    private readonly AclService _service;

    public AclServiceTests()
    {
        var feed = new ChangeFeed([]);
        feed.Subscribe((notice, _) =>
        {
            _notices.Add(notice);
            return Task.CompletedTask;
        });
        _service = new AclService(_store, _store, feed, TimeProvider.System);
    }

    [Fact]
    public async Task AddRule_AclAssociatedWithTwoInstances_AnnouncesBothBeforeReturning()
    {
        var acl = await CreateSoftwareAclAsync();
        _store.AddInstance("sag-a");
        _store.AddInstance("sag-b");
        _store.AddInstance("sag-other");
        await _service.AssociateAsync(Region, acl, "sag-a", Token);
        await _service.AssociateAsync(Region, acl, "sag-b", Token);
        _notices.Clear();

        await _service.AddRuleAsync(Region, Rule(acl), Token);

        var notice = Assert.Single(_notices);
        Assert.Equal(ChangeNotice.AclKind, notice.Kind);
        Assert.Equal(["sag-a", "sag-b"], notice.SmartAGIds.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task RuleWrites_AclWithoutInstances_AnnounceNothing()
    {
        var acl = await CreateSoftwareAclAsync();

        var rule = await _service.AddRuleAsync(Region, Rule(acl), Token);
        await _service.ModifyRuleAsync(new AclRuleChange(Region, acl, rule.AcrId) { Priority = 5 }, Token);
        await _service.DeleteRuleAsync(Region, acl, rule.AcrId, Token);

        Assert.Empty(_notices);
    }

    [Fact]
    public async Task AssociateThenDisassociate_EachAnnouncesTheInstance()
    {
        var acl = await CreateSoftwareAclAsync();
        _store.AddInstance("sag-a");

        await _service.AssociateAsync(Region, acl, "sag-a", Token);
        await _service.DisassociateAsync(Region, acl, "sag-a", Token);

        Assert.Equal([["sag-a"], ["sag-a"]], _notices.Select(n => n.SmartAGIds));
    }

    [Fact]
    public async Task Delete_AclWithAnInstance_AnnouncesIt()
    {
        var acl = await CreateSoftwareAclAsync();
        _store.AddInstance("sag-a");
        await _service.AssociateAsync(Region, acl, "sag-a", Token);
        _notices.Clear();

        await _service.DeleteAsync(Region, acl, Token);

        Assert.Equal(["sag-a"], Assert.Single(_notices).SmartAGIds);
    }

    [Fact]
    public async Task ModifyRule_ProtocolToAllWhileTheStoredRangeIsNarrow_InvalidPortRangeAndNothingWritten()
    {
        var acl = await CreateSoftwareAclAsync();
        var rule = await _service.AddRuleAsync(Region, Rule(acl), Token);

        var error = await Assert.ThrowsAsync<ApiException>(() => _service.ModifyRuleAsync(new AclRuleChange(Region, acl, rule.AcrId) { IpProtocol = "ALL" }, Token));

        Assert.Equal(ErrorCatalogue.AclInvalidPortRange, error.Error);
        Assert.Equal("TCP", _store.Rules.Single().IpProtocol);
    }

    [Fact]
    public async Task ModifyRule_AnotherModifyNarrowsARangeBetweenItsReadAndItsWrite_InvalidPortRangeAndTheOtherChangeKept()
    {
        var acl = await CreateSoftwareAclAsync();
        var rule = await _service.AddRuleAsync(Region, Rule(acl) with { DestPortRange = "-1/-1" }, Token);

        // Each change is valid on the rule it reads (TCP, every port); together they would make ALL with port 22 only.
        _store.BeforeNextUpdate = () => _service.ModifyRuleAsync(new AclRuleChange(Region, acl, rule.AcrId) { DestPortRange = "22/22" }, Token);
        var error = await Assert.ThrowsAsync<ApiException>(() => _service.ModifyRuleAsync(new AclRuleChange(Region, acl, rule.AcrId) { IpProtocol = "ALL" }, Token));

        Assert.Equal(ErrorCatalogue.AclInvalidPortRange, error.Error);
        var stored = _store.Rules.Single();
        Assert.Equal(("TCP", "22/22"), (stored.IpProtocol, stored.DestPortRange));
    }

    [Fact]
    public async Task ModifyRule_ProtocolToAllWithEveryPort_Written()
    {
        var acl = await CreateSoftwareAclAsync();
        var rule = await _service.AddRuleAsync(Region, Rule(acl), Token);

        var changed = await _service.ModifyRuleAsync(new AclRuleChange(Region, acl, rule.AcrId) { IpProtocol = "all", DestPortRange = "-1/-1" }, Token);

        Assert.Equal("all", changed.IpProtocol);
        Assert.Equal("-1/-1", changed.DestPortRange);
    }

    [Fact]
    public async Task AddRule_IcmpWithANarrowRange_InvalidPortRangeAndNothingWritten()
    {
        var acl = await CreateSoftwareAclAsync();

        var error = await Assert.ThrowsAsync<ApiException>(() => _service.AddRuleAsync(Region, Rule(acl) with { IpProtocol = "ICMP" }, Token));

        Assert.Equal(ErrorCatalogue.AclInvalidPortRange, error.Error);
        Assert.Empty(_store.Rules);
    }

    [Fact]
    public async Task AddRule_OptionalFieldsOmitted_PriorityOneTypeLanAndEmptyTexts()
    {
        var acl = await CreateSoftwareAclAsync();

        var rule = await _service.AddRuleAsync(Region, Rule(acl), Token);

        Assert.Equal(1, rule.Priority);
        Assert.Equal("LAN", rule.Type);
        Assert.Equal("", rule.Name);
        Assert.Equal("", rule.Description);
        Assert.Equal(0, rule.CreatedAt.UtcTicks % TimeSpan.TicksPerMillisecond);
    }

    [Fact]
    public async Task Associate_HardwareAcl_SoftwareNotSupportedAndNothingAnnounced()
    {
        var acl = (await _service.CreateAsync(Region, "cpe", null, null, Token)).AclId;
        _store.AddInstance("sag-a");

        var error = await Assert.ThrowsAsync<ApiException>(() => _service.AssociateAsync(Region, acl, "sag-a", Token));

        Assert.Equal(ErrorCatalogue.AclSoftwareNotSupported, error.Error);
        Assert.Empty(_notices);
    }

    [Fact]
    public async Task Associate_UnknownInstance_InvalidIdSmartagEvenForAHardwareAcl()
    {
        var acl = (await _service.CreateAsync(Region, "cpe", null, null, Token)).AclId;

        var error = await Assert.ThrowsAsync<ApiException>(() => _service.AssociateAsync(Region, acl, "sag-none", Token));

        Assert.Equal(ErrorCatalogue.AclInstanceNotFound, error.Error);
    }

    [Fact]
    public async Task DeleteRule_UnknownAclOrRule_TheCodeThatNamesTheWrongId()
    {
        var acl = await CreateSoftwareAclAsync();

        var rule = await Assert.ThrowsAsync<ApiException>(() => _service.DeleteRuleAsync(Region, acl, "acr-none", Token));
        var list = await Assert.ThrowsAsync<ApiException>(() => _service.DeleteRuleAsync(Region, "acl-none", "acr-none", Token));

        Assert.Equal(ErrorCatalogue.AclRuleNotFound, rule.Error);
        Assert.Equal(ErrorCatalogue.AclNotFound, list.Error);
    }

    [Fact]
    public async Task ModifyRule_CallerGoesAwayAsTheWriteCommits_StillAnnouncesTheInstances()
    {
        var acl = await CreateSoftwareAclAsync();
        _store.AddInstance("sag-a");
        await _service.AssociateAsync(Region, acl, "sag-a", Token);
        var rule = await _service.AddRuleAsync(Region, Rule(acl), Token);
        _notices.Clear();
        using var caller = new CancellationTokenSource();
        // The caller (an SDK timing out) hangs up while its write commits: the rule is stored all the same.
        _store.BeforeNextUpdate = () => caller.CancelAsync();

        await _service.ModifyRuleAsync(new AclRuleChange(Region, acl, rule.AcrId) { Priority = 5 }, caller.Token);

        // Without the notice the instance's live sessions would keep the old rule until the next reconcile.
        Assert.Equal([["sag-a"]], _notices.Select(n => n.SmartAGIds));
    }

    /// <summary>The list store completes every call at once, so no await here can wait.</summary>
    private static CancellationToken Token => CancellationToken.None;

    private async Task<string> CreateSoftwareAclAsync() => (await _service.CreateAsync(Region, "app", Acl.SoftwareType, null, Token)).AclId;

    private static NewAclRule Rule(string aclId) => new()
    {
        AclId = aclId,
        Direction = "out",
        Policy = "drop",
        IpProtocol = "TCP",
        SourceCidr = "0.0.0.0/0",
        SourcePortRange = "-1/-1",
        DestCidr = "10.0.5.0/24",
        DestPortRange = "80/80",
    };
}
