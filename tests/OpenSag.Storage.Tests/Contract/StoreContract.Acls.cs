using OpenSag.Domain;

namespace OpenSag.Storage.Tests.Contract;

/// <summary>IAclStore (spec/smartag-acl-and-more.md §1): ACLs, their rules, and the one ACL of an instance.</summary>
public abstract partial class StoreContract
{
    private const int AclLimit = 10;
    private const int RuleLimit = 50;

    private static readonly string[] NoIds = [];

    [StoreFact]
    public async Task TryAddAclAsync_UnderLimit_StoresEveryFieldAsSent()
    {
        var acl = NewAcl(name: "Office-ACL_1.x", type: Acl.SoftwareType, resourceGroupId: "rg-acfm2iu4fnc");

        Assert.Equal(AclWriteResult.Done, await Store.TryAddAclAsync(acl, AclLimit, Ct));

        Assert.Equal(acl, await Store.FindAclAsync(Region, acl.AclId, Ct));
    }

    [StoreFact]
    public async Task TryAddAclAsync_StoreAtLimitCountingEveryRegion_ReturnsOverLimitAndAddsNothing()
    {
        await AddAclAsync(Region);
        await AddAclAsync(OtherRegion);
        var third = NewAcl();

        Assert.Equal(AclWriteResult.OverLimit, await Store.TryAddAclAsync(third, aclLimit: 2, Ct));

        Assert.Null(await Store.FindAclAsync(Region, third.AclId, Ct));
        Assert.Equal(AclWriteResult.Done, await Store.TryAddAclAsync(third, aclLimit: 3, Ct));
    }

    [StoreFact]
    public async Task TryAddAclAsync_ManyConcurrentAddsThroughTwoStores_NeverExceedsTheLimit()
    {
        // Two store objects are two processes (SQLite) or two nodes (PostgreSQL): the limit must hold in the database.
        const int limit = 5, attempts = 20;
        var stores = new[] { Store, await OpenStoreAsync() };

        var results = await Task.WhenAll(Enumerable.Range(0, attempts).Select(i =>
            Task.Run(() => stores[i % 2].TryAddAclAsync(NewAcl(), limit, Ct)))).WaitAsync(Timeout);

        Assert.Equal(limit, results.Count(r => r == AclWriteResult.Done));
        Assert.Equal(attempts - limit, results.Count(r => r == AclWriteResult.OverLimit));
        Assert.Equal(limit, (await Store.ListAclsAsync(new AclFilter(Region), 1, 50, Ct)).TotalCount);
    }

    [StoreFact]
    public async Task FindAclAsync_OtherRegionOrUnknownId_ReturnsNull()
    {
        var acl = await AddAclAsync();

        Assert.Null(await Store.FindAclAsync(OtherRegion, acl.AclId, Ct));
        Assert.Null(await Store.FindAclAsync(Region, ResourceIds.NewAclId(), Ct));
    }

    [StoreFact]
    public async Task ListAclsAsync_Region_OrdersByCreationThenIdAndCountsInstances()
    {
        var late = await AddAclAsync(createdAt: T0.AddSeconds(2));
        var early = await AddAclAsync(createdAt: T0);
        var tied = new[] { await AddAclAsync(createdAt: T0.AddSeconds(1)), await AddAclAsync(createdAt: T0.AddSeconds(1)) }
            .OrderBy(a => a.AclId, StringComparer.Ordinal).ToArray();
        await AddAclAsync(OtherRegion);
        var first = await AddInstanceAsync();
        var second = await AddInstanceAsync();
        Assert.Equal(AclWriteResult.Done, await Store.AssociateAsync(Region, early.AclId, first.SmartAGId, Ct));
        Assert.Equal(AclWriteResult.Done, await Store.AssociateAsync(Region, early.AclId, second.SmartAGId, Ct));

        var page = await Store.ListAclsAsync(new AclFilter(Region), 1, 50, Ct);

        Assert.Equal(4, page.TotalCount);
        Assert.Equal([early.AclId, tied[0].AclId, tied[1].AclId, late.AclId], page.Items.Select(s => s.Acl.AclId));
        Assert.Equal([2, 0, 0, 0], page.Items.Select(s => s.SagCount));
        Assert.Equal(early, page.Items[0].Acl);
    }

    [StoreFact]
    public async Task ListAclsAsync_Filters_MatchExactly()
    {
        var office = await AddAclAsync(name: "office", type: Acl.SoftwareType, resourceGroupId: "rg-a");
        var officeTwo = await AddAclAsync(name: "office2", type: Acl.HardwareType, resourceGroupId: "rg-b");
        var lab = await AddAclAsync(name: "lab", type: Acl.SoftwareType, resourceGroupId: "rg-a");

        async Task<string[]> IdsAsync(AclFilter filter) =>
            [.. (await Store.ListAclsAsync(filter, 1, 50, Ct)).Items.Select(s => s.Acl.AclId).Order(StringComparer.Ordinal)];
        string[] Sorted(params Acl[] acls) => [.. acls.Select(a => a.AclId).Order(StringComparer.Ordinal)];

        Assert.Equal(Sorted(office), await IdsAsync(new AclFilter(Region) { Name = "office" }));
        Assert.Empty(await IdsAsync(new AclFilter(Region) { Name = "Office" }));
        Assert.Equal(Sorted(office, lab), await IdsAsync(new AclFilter(Region) { AclType = Acl.SoftwareType }));
        Assert.Equal(Sorted(officeTwo), await IdsAsync(new AclFilter(Region) { ResourceGroupId = "rg-b" }));
        Assert.Equal(Sorted(office, lab), await IdsAsync(new AclFilter(Region) { AclIds = [office.AclId, lab.AclId, ResourceIds.NewAclId()] }));
        Assert.Equal(Sorted(lab), await IdsAsync(new AclFilter(Region) { AclIds = [lab.AclId], AclType = Acl.SoftwareType }));
        Assert.Empty(await IdsAsync(new AclFilter(Region) { AclIds = [ResourceIds.NewAclId()] }));
        Assert.Empty(await IdsAsync(new AclFilter(OtherRegion) { AclIds = [office.AclId] }));
    }

    [StoreFact]
    public async Task ListAclsAsync_SecondPage_ReturnsThatPageAndTheTotal()
    {
        var acls = new List<Acl>();
        for (var i = 0; i < 5; i++)
        {
            acls.Add(await AddAclAsync(createdAt: T0.AddSeconds(i)));
        }

        var page = await Store.ListAclsAsync(new AclFilter(Region), 2, 2, Ct);

        Assert.Equal(5, page.TotalCount);
        Assert.Equal(acls.Skip(2).Take(2).Select(a => a.AclId), page.Items.Select(s => s.Acl.AclId));
    }

    [StoreFact]
    public async Task RenameAclAsync_SameRegion_RenamesOnlyThatAcl()
    {
        var acl = await AddAclAsync(name: "before");
        var other = await AddAclAsync(name: "other");

        Assert.True(await Store.RenameAclAsync(Region, acl.AclId, "after", Ct));
        Assert.False(await Store.RenameAclAsync(OtherRegion, acl.AclId, "elsewhere", Ct));
        Assert.False(await Store.RenameAclAsync(Region, ResourceIds.NewAclId(), "nobody", Ct));

        Assert.Equal(acl with { Name = "after" }, await Store.FindAclAsync(Region, acl.AclId, Ct));
        Assert.Equal(other, await Store.FindAclAsync(Region, other.AclId, Ct));
    }

    [StoreFact]
    public async Task DeleteAclAsync_WithRulesAndInstances_DisassociatesThemAndDeletesTheRules()
    {
        var acl = await AddAclAsync();
        var kept = await AddAclAsync();
        await AddRuleAsync(acl.AclId);
        var keptRule = await AddRuleAsync(kept.AclId);
        var instances = new[] { await AddInstanceAsync(), await AddInstanceAsync() };
        var bystander = await AddInstanceAsync();
        foreach (var instance in instances)
        {
            Assert.Equal(AclWriteResult.Done, await Store.AssociateAsync(Region, acl.AclId, instance.SmartAGId, Ct));
        }

        Assert.Equal(AclWriteResult.Done, await Store.AssociateAsync(Region, kept.AclId, bystander.SmartAGId, Ct));

        var left = await Store.DeleteAclAsync(Region, acl.AclId, Ct);

        Assert.Equal(instances.Select(i => i.SmartAGId).Order(StringComparer.Ordinal), left!);
        Assert.Null(await Store.FindAclAsync(Region, acl.AclId, Ct));
        foreach (var instance in instances)
        {
            Assert.Equal("", (await Store.FindInstanceByIdAsync(instance.SmartAGId, Ct))!.AclId);
            Assert.Empty(await Store.GetInstanceRulesAsync(instance.SmartAGId, Ct));
        }

        Assert.Equal(kept.AclId, (await Store.FindInstanceByIdAsync(bystander.SmartAGId, Ct))!.AclId);
        AssertSameRules([keptRule], await Store.GetInstanceRulesAsync(bystander.SmartAGId, Ct));
        // The rules went with the ACL: an ACL created again under the same id starts empty.
        Assert.Equal(AclWriteResult.Done, await Store.TryAddAclAsync(acl, AclLimit, Ct));
        Assert.Empty((await Store.ListRulesAsync(new AclRuleFilter(Region, acl.AclId), 1, 50, Ct))!.Items);
    }

    [StoreFact]
    public async Task DeleteAclAsync_WithoutInstances_ReturnsAnEmptyList()
    {
        var acl = await AddAclAsync();

        Assert.Empty((await Store.DeleteAclAsync(Region, acl.AclId, Ct))!);
    }

    [StoreFact]
    public async Task DeleteAclAsync_OtherRegionOrUnknownId_ReturnsNullAndKeepsTheAcl()
    {
        var acl = await AddAclAsync();

        Assert.Null(await Store.DeleteAclAsync(OtherRegion, acl.AclId, Ct));
        Assert.Null(await Store.DeleteAclAsync(Region, ResourceIds.NewAclId(), Ct));

        Assert.NotNull(await Store.FindAclAsync(Region, acl.AclId, Ct));
    }

    [StoreFact]
    public async Task TryAddRuleAsync_FieldsAsSent_AreReadBackExactly()
    {
        var acl = await AddAclAsync();
        var instance = await AddInstanceAsync();
        await Store.AssociateAsync(Region, acl.AclId, instance.SmartAGId, Ct);
        // Letter case, -1/-1 and host bits are kept: Terraform diffs what it reads back against what it sent.
        var rule = NewRule(acl.AclId) with
        {
            Name = "Web_rule-1.0",
            Description = "访问规则",
            Direction = "IN",
            Policy = "Drop",
            IpProtocol = "tcp",
            SourceCidr = "10.0.0.7/8",
            SourcePortRange = "-1/-1",
            DestCidr = "192.168.1.0/24",
            DestPortRange = "80/443",
            Priority = 100,
            Type = "wan",
            DpiGroupIds = ["20", "3"],
            DpiSignatureIds = ["1"],
        };

        Assert.Equal(AclWriteResult.Done, await Store.TryAddRuleAsync(Region, rule, RuleLimit, Ct));

        AssertSameRules([rule], (await Store.ListRulesAsync(new AclRuleFilter(Region, acl.AclId), 1, 50, Ct))!.Items);
        AssertSameRules([rule], await Store.GetInstanceRulesAsync(instance.SmartAGId, Ct));
    }

    [StoreFact]
    public async Task TryAddRuleAsync_AclAtLimit_ReturnsOverLimitAndAddsNothing()
    {
        var acl = await AddAclAsync();
        var other = await AddAclAsync();
        await AddRuleAsync(acl.AclId);
        await AddRuleAsync(acl.AclId);
        await AddRuleAsync(other.AclId);

        Assert.Equal(AclWriteResult.OverLimit, await Store.TryAddRuleAsync(Region, NewRule(acl.AclId), ruleLimit: 2, Ct));
        Assert.Equal(AclWriteResult.Done, await Store.TryAddRuleAsync(Region, NewRule(other.AclId), ruleLimit: 2, Ct));

        Assert.Equal(2, (await Store.ListRulesAsync(new AclRuleFilter(Region, acl.AclId), 1, 50, Ct))!.TotalCount);
    }

    [StoreFact]
    public async Task TryAddRuleAsync_ManyConcurrentAddsThroughTwoStores_NeverExceedsTheLimit()
    {
        const int limit = 5, attempts = 20;
        var acl = await AddAclAsync();
        var stores = new[] { Store, await OpenStoreAsync() };

        var results = await Task.WhenAll(Enumerable.Range(0, attempts).Select(i =>
            Task.Run(() => stores[i % 2].TryAddRuleAsync(Region, NewRule(acl.AclId), limit, Ct)))).WaitAsync(Timeout);

        Assert.Equal(limit, results.Count(r => r == AclWriteResult.Done));
        Assert.Equal(limit, (await Store.ListRulesAsync(new AclRuleFilter(Region, acl.AclId), 1, 50, Ct))!.TotalCount);
    }

    [StoreFact]
    public async Task TryAddRuleAsync_UnknownAclOrOtherRegion_ReturnsNotFound()
    {
        var acl = await AddAclAsync();

        Assert.Equal(AclWriteResult.NotFound, await Store.TryAddRuleAsync(OtherRegion, NewRule(acl.AclId), RuleLimit, Ct));
        Assert.Equal(AclWriteResult.NotFound, await Store.TryAddRuleAsync(Region, NewRule(ResourceIds.NewAclId()), RuleLimit, Ct));
        Assert.Equal(0, (await Store.ListRulesAsync(new AclRuleFilter(Region, acl.AclId), 1, 50, Ct))!.TotalCount);
    }

    [StoreFact]
    public async Task UpdateRuleAsync_SomeFieldsSet_WritesOnlyThoseAndReturnsTheStoredRule()
    {
        var acl = await AddAclAsync();
        var rule = await AddRuleAsync(acl.AclId, priority: 5);
        var change = new AclRuleChange(Region, acl.AclId, rule.AcrId) { Policy = "drop", DestPortRange = "22/22", Priority = 7, DpiGroupIds = ["9"] };

        var updated = await Store.UpdateRuleAsync(change, Ct);

        var expected = rule with { Policy = "drop", DestPortRange = "22/22", Priority = 7, DpiGroupIds = ["9"] };
        AssertSameRules([expected], [updated!]);
        AssertSameRules([expected], (await Store.ListRulesAsync(new AclRuleFilter(Region, acl.AclId), 1, 50, Ct))!.Items);
    }

    [StoreFact]
    public async Task UpdateRuleAsync_EveryFieldSet_WritesEveryField()
    {
        var acl = await AddAclAsync();
        var rule = await AddRuleAsync(acl.AclId);
        var change = new AclRuleChange(Region, acl.AclId, rule.AcrId)
        {
            Name = "renamed",
            Description = "now described",
            Direction = "in",
            Policy = "drop",
            IpProtocol = "UDP",
            SourceCidr = "172.16.0.0/12",
            SourcePortRange = "1000/2000",
            DestCidr = "10.1.0.0/16",
            DestPortRange = "53/53",
            Priority = 99,
            Type = "WAN",
            DpiGroupIds = [],
            DpiSignatureIds = ["4", "5"],
        };

        var updated = await Store.UpdateRuleAsync(change, Ct);

        var expected = rule with
        {
            Name = "renamed",
            Description = "now described",
            Direction = "in",
            Policy = "drop",
            IpProtocol = "UDP",
            SourceCidr = "172.16.0.0/12",
            SourcePortRange = "1000/2000",
            DestCidr = "10.1.0.0/16",
            DestPortRange = "53/53",
            Priority = 99,
            Type = "WAN",
            DpiGroupIds = [],
            DpiSignatureIds = ["4", "5"],
        };
        AssertSameRules([expected], [updated!]);
    }

    [StoreFact]
    public async Task UpdateRuleAsync_UnknownRuleOrOtherRegion_ReturnsNullAndChangesNothing()
    {
        var acl = await AddAclAsync();
        var rule = await AddRuleAsync(acl.AclId);

        Assert.Null(await Store.UpdateRuleAsync(new AclRuleChange(OtherRegion, acl.AclId, rule.AcrId) { Name = "x" }, Ct));
        Assert.Null(await Store.UpdateRuleAsync(new AclRuleChange(Region, acl.AclId, ResourceIds.NewAcrId()) { Name = "x" }, Ct));
        Assert.Null(await Store.UpdateRuleAsync(new AclRuleChange(Region, ResourceIds.NewAclId(), rule.AcrId) { Name = "x" }, Ct));

        AssertSameRules([rule], (await Store.ListRulesAsync(new AclRuleFilter(Region, acl.AclId), 1, 50, Ct))!.Items);
    }

    [StoreFact]
    public async Task DeleteRuleAsync_ExistingRule_DeletesOnlyIt()
    {
        var acl = await AddAclAsync();
        var rule = await AddRuleAsync(acl.AclId);
        var kept = await AddRuleAsync(acl.AclId);

        Assert.False(await Store.DeleteRuleAsync(OtherRegion, acl.AclId, rule.AcrId, Ct));
        Assert.True(await Store.DeleteRuleAsync(Region, acl.AclId, rule.AcrId, Ct));
        Assert.False(await Store.DeleteRuleAsync(Region, acl.AclId, rule.AcrId, Ct));

        AssertSameRules([kept], (await Store.ListRulesAsync(new AclRuleFilter(Region, acl.AclId), 1, 50, Ct))!.Items);
    }

    [StoreFact]
    public async Task ListRulesAsync_Rules_OrdersByPriorityThenCreationThenId()
    {
        var acl = await AddAclAsync();
        var lastPriority = await AddRuleAsync(acl.AclId, priority: 70, createdAt: T0);
        var laterSamePriority = await AddRuleAsync(acl.AclId, priority: 49, createdAt: T0.AddSeconds(1));
        var tied = new[] { await AddRuleAsync(acl.AclId, priority: 49, createdAt: T0), await AddRuleAsync(acl.AclId, priority: 49, createdAt: T0) }
            .OrderBy(r => r.AcrId, StringComparer.Ordinal).ToArray();
        var first = await AddRuleAsync(acl.AclId, priority: 1, createdAt: T0.AddSeconds(5));

        var page = await Store.ListRulesAsync(new AclRuleFilter(Region, acl.AclId), 1, 50, Ct);

        Assert.Equal([first.AcrId, tied[0].AcrId, tied[1].AcrId, laterSamePriority.AcrId, lastPriority.AcrId], page!.Items.Select(r => r.AcrId));
    }

    [StoreFact]
    public async Task ListRulesAsync_Filters_DirectionInAnyCaseAndNameAsCaseSensitiveSubstring()
    {
        var acl = await AddAclAsync();
        var webIn = await AddRuleAsync(acl.AclId, direction: "IN", name: "web-in");
        var webOut = await AddRuleAsync(acl.AclId, direction: "out", name: "web-out");
        await AddRuleAsync(acl.AclId, direction: "in", name: "Mail");
        await AddRuleAsync(await AddAclIdAsync(), direction: "in", name: "web-elsewhere");

        async Task<string[]> IdsAsync(AclRuleFilter filter) =>
            [.. (await Store.ListRulesAsync(filter, 1, 50, Ct))!.Items.Select(r => r.AcrId).Order(StringComparer.Ordinal)];

        Assert.Equal(new[] { webIn.AcrId, webOut.AcrId }.Order(StringComparer.Ordinal), await IdsAsync(new AclRuleFilter(Region, acl.AclId) { NameContains = "web" }));
        Assert.Empty(await IdsAsync(new AclRuleFilter(Region, acl.AclId) { NameContains = "WEB" }));
        Assert.Empty(await IdsAsync(new AclRuleFilter(Region, acl.AclId) { NameContains = "%" }));
        Assert.Equal([webIn.AcrId], await IdsAsync(new AclRuleFilter(Region, acl.AclId) { Direction = "in", NameContains = "web" }));
        Assert.Equal([webOut.AcrId], await IdsAsync(new AclRuleFilter(Region, acl.AclId) { Direction = "OUT" }));
    }

    [StoreFact]
    public async Task ListRulesAsync_SecondPage_ReturnsThatPageAndTheTotal()
    {
        var acl = await AddAclAsync();
        var rules = new List<AclRule>();
        for (var i = 1; i <= 5; i++)
        {
            rules.Add(await AddRuleAsync(acl.AclId, priority: i));
        }

        var page = await Store.ListRulesAsync(new AclRuleFilter(Region, acl.AclId) { Direction = "out" }, 2, 2, Ct);

        Assert.Equal(5, page!.TotalCount);
        Assert.Equal(rules.Skip(2).Take(2).Select(r => r.AcrId), page.Items.Select(r => r.AcrId));
    }

    [StoreFact]
    public async Task ListRulesAsync_UnknownAclOrOtherRegion_ReturnsNull()
    {
        var acl = await AddAclAsync();

        Assert.Null(await Store.ListRulesAsync(new AclRuleFilter(OtherRegion, acl.AclId), 1, 50, Ct));
        Assert.Null(await Store.ListRulesAsync(new AclRuleFilter(Region, ResourceIds.NewAclId()), 1, 50, Ct));
    }

    [StoreFact]
    public async Task AssociateAsync_EachCase_ReturnsItsResult()
    {
        var acl = await AddAclAsync();
        var other = await AddAclAsync();
        var instance = await AddInstanceAsync();
        var elsewhere = await AddInstanceAsync(OtherRegion);

        Assert.Equal(AclWriteResult.NotFound, await Store.AssociateAsync(Region, ResourceIds.NewAclId(), instance.SmartAGId, Ct));
        Assert.Equal(AclWriteResult.NotFound, await Store.AssociateAsync(OtherRegion, acl.AclId, elsewhere.SmartAGId, Ct));
        Assert.Equal(AclWriteResult.InstanceNotFound, await Store.AssociateAsync(Region, acl.AclId, ResourceIds.NewSmartAgId(), Ct));
        Assert.Equal(AclWriteResult.InstanceNotFound, await Store.AssociateAsync(Region, acl.AclId, elsewhere.SmartAGId, Ct));
        Assert.Equal(AclWriteResult.Done, await Store.AssociateAsync(Region, acl.AclId, instance.SmartAGId, Ct));
        Assert.Equal(AclWriteResult.AlreadyAssociated, await Store.AssociateAsync(Region, acl.AclId, instance.SmartAGId, Ct));
        Assert.Equal(AclWriteResult.OverLimit, await Store.AssociateAsync(Region, other.AclId, instance.SmartAGId, Ct));

        AssertSameInstance(instance with { AclId = acl.AclId }, await Store.FindInstanceAsync(Region, instance.SmartAGId, Ct));
        Assert.Equal("", (await Store.FindInstanceByIdAsync(elsewhere.SmartAGId, Ct))!.AclId);
    }

    [StoreFact]
    public async Task DisassociateAsync_EachCase_ReturnsItsResult()
    {
        var acl = await AddAclAsync();
        var other = await AddAclAsync();
        var instance = await AddInstanceAsync();

        Assert.Equal(AclWriteResult.NotAssociated, await Store.DisassociateAsync(Region, acl.AclId, instance.SmartAGId, Ct));
        await Store.AssociateAsync(Region, acl.AclId, instance.SmartAGId, Ct);
        Assert.Equal(AclWriteResult.NotFound, await Store.DisassociateAsync(Region, ResourceIds.NewAclId(), instance.SmartAGId, Ct));
        Assert.Equal(AclWriteResult.NotFound, await Store.DisassociateAsync(OtherRegion, acl.AclId, instance.SmartAGId, Ct));
        Assert.Equal(AclWriteResult.InstanceNotFound, await Store.DisassociateAsync(Region, acl.AclId, ResourceIds.NewSmartAgId(), Ct));
        Assert.Equal(AclWriteResult.NotAssociated, await Store.DisassociateAsync(Region, other.AclId, instance.SmartAGId, Ct));
        Assert.Equal(acl.AclId, (await Store.FindInstanceByIdAsync(instance.SmartAGId, Ct))!.AclId);

        Assert.Equal(AclWriteResult.Done, await Store.DisassociateAsync(Region, acl.AclId, instance.SmartAGId, Ct));

        Assert.Equal("", (await Store.FindInstanceByIdAsync(instance.SmartAGId, Ct))!.AclId);
        Assert.Equal(AclWriteResult.Done, await Store.AssociateAsync(Region, other.AclId, instance.SmartAGId, Ct));
    }

    [StoreFact]
    public async Task AssociateAsync_TwoAclsToOneInstanceAtOnceThroughTwoStores_ExactlyOneWins()
    {
        var stores = new[] { Store, await OpenStoreAsync() };
        for (var round = 0; round < 10; round++)
        {
            var instance = await AddInstanceAsync();
            var acls = new[] { await AddAclIdAsync(), await AddAclIdAsync() };

            var results = await Task.WhenAll(Enumerable.Range(0, 2).Select(i =>
                Task.Run(() => stores[i].AssociateAsync(Region, acls[i], instance.SmartAGId, Ct)))).WaitAsync(Timeout);

            Assert.Equal(1, results.Count(r => r == AclWriteResult.Done));
            Assert.Equal(1, results.Count(r => r == AclWriteResult.OverLimit));
            var winner = acls[Array.IndexOf(results, AclWriteResult.Done)];
            Assert.Equal(winner, (await Store.FindInstanceByIdAsync(instance.SmartAGId, Ct))!.AclId);
            await Store.DeleteAclAsync(Region, acls[0], Ct);
            await Store.DeleteAclAsync(Region, acls[1], Ct);
        }
    }

    [StoreFact]
    public async Task DeleteAclAsync_WhileAnotherStoreAssociatesIt_LeavesNoInstancePointingAtIt()
    {
        var stores = new[] { Store, await OpenStoreAsync() };
        for (var round = 0; round < 10; round++)
        {
            var instance = await AddInstanceAsync();
            var acl = await AddAclIdAsync();

            var associate = Task.Run(() => stores[1].AssociateAsync(Region, acl, instance.SmartAGId, Ct));
            var delete = Task.Run(() => stores[0].DeleteAclAsync(Region, acl, Ct));
            var (associated, left) = (await associate.WaitAsync(Timeout), await delete.WaitAsync(Timeout));

            // Either the association came first and the delete reports and undoes it, or the ACL was gone.
            string[] expected = associated == AclWriteResult.Done ? [instance.SmartAGId] : [];
            Assert.Equal(expected, left!);
            Assert.Equal("", (await Store.FindInstanceByIdAsync(instance.SmartAGId, Ct))!.AclId);
        }
    }

    [StoreFact]
    public async Task GetInstanceRulesAsync_EachCase_ReturnsTheRulesOfItsAclOnly()
    {
        var acl = await AddAclAsync();
        var rules = new[] { await AddRuleAsync(acl.AclId, priority: 2), await AddRuleAsync(acl.AclId, priority: 1) };
        await AddRuleAsync(await AddAclIdAsync());
        var instance = await AddInstanceAsync();
        var unbound = await AddInstanceAsync();
        await Store.AssociateAsync(Region, acl.AclId, instance.SmartAGId, Ct);

        AssertSameRules(rules, (await Store.GetInstanceRulesAsync(instance.SmartAGId, Ct)).OrderByDescending(r => r.Priority).ToList());
        Assert.Empty(await Store.GetInstanceRulesAsync(unbound.SmartAGId, Ct));
        Assert.Empty(await Store.GetInstanceRulesAsync(ResourceIds.NewSmartAgId(), Ct));
    }

    [StoreFact]
    public async Task ListInstancesAsync_AclFilters_MatchTheAssociations()
    {
        var acl = await AddAclAsync();
        var other = await AddAclAsync();
        var bound = await AddInstanceAsync(createdAt: T0);
        var boundToOther = await AddInstanceAsync(createdAt: T0.AddSeconds(1));
        var unbound = await AddInstanceAsync(createdAt: T0.AddSeconds(2));
        await Store.AssociateAsync(Region, acl.AclId, bound.SmartAGId, Ct);
        await Store.AssociateAsync(Region, other.AclId, boundToOther.SmartAGId, Ct);

        async Task<IEnumerable<string>> IdsAsync(InstanceFilter filter) =>
            (await Store.ListInstancesAsync(filter, 1, 50, Ct)).Items.Select(i => i.SmartAGId);

        Assert.Equal([bound.SmartAGId], await IdsAsync(new InstanceFilter(Region) { AclIds = [acl.AclId] }));
        Assert.Equal([bound.SmartAGId, boundToOther.SmartAGId], await IdsAsync(new InstanceFilter(Region) { AclIds = [acl.AclId, other.AclId] }));
        Assert.Empty(await IdsAsync(new InstanceFilter(Region) { AclIds = [ResourceIds.NewAclId()] }));
        Assert.Equal([boundToOther.SmartAGId, unbound.SmartAGId], await IdsAsync(new InstanceFilter(Region) { UnboundAclIds = [acl.AclId] }));
        Assert.Equal([unbound.SmartAGId], await IdsAsync(new InstanceFilter(Region) { UnboundAclIds = [acl.AclId, other.AclId] }));
        var listed = (await Store.ListInstancesAsync(new InstanceFilter(Region), 1, 50, Ct)).Items;
        Assert.Equal([acl.AclId, other.AclId, ""], listed.Select(i => i.AclId));
    }

    [StoreFact]
    public async Task UpdateInstanceAsync_AssociatedInstance_KeepsItsAcl()
    {
        var acl = await AddAclAsync();
        var instance = await AddInstanceAsync();
        await Store.AssociateAsync(Region, acl.AclId, instance.SmartAGId, Ct);

        Assert.Equal(InstanceWriteResult.Done, await Store.UpdateInstanceAsync(new InstanceChange(Region, instance.SmartAGId) { Name = "renamed", CidrBlock = Cidr("10.20.0.0/24") }, Ct));

        Assert.Equal(acl.AclId, (await Store.FindInstanceByIdAsync(instance.SmartAGId, Ct))!.AclId);
    }

    [StoreFact]
    public async Task AclsAndRules_AfterReopen_AreAllThere()
    {
        var acl = await AddAclAsync();
        var rule = await AddRuleAsync(acl.AclId);
        var instance = await AddInstanceAsync();
        await Store.AssociateAsync(Region, acl.AclId, instance.SmartAGId, Ct);

        await ReopenAsync();

        Assert.Equal(acl, await Store.FindAclAsync(Region, acl.AclId, Ct));
        AssertSameRules([rule], await Store.GetInstanceRulesAsync(instance.SmartAGId, Ct));
    }

    protected static Acl NewAcl(string regionId = Region, DateTimeOffset? createdAt = null, string name = "office", string type = Acl.SoftwareType, string resourceGroupId = "") => new()
    {
        AclId = ResourceIds.NewAclId(),
        RegionId = regionId,
        Name = name,
        AclType = type,
        ResourceGroupId = resourceGroupId,
        CreatedAt = createdAt ?? T0,
    };

    protected static AclRule NewRule(string aclId, int priority = 1, DateTimeOffset? createdAt = null, string direction = "out", string name = "rule") => new()
    {
        AclId = aclId,
        AcrId = ResourceIds.NewAcrId(),
        Name = name,
        Direction = direction,
        Policy = "accept",
        IpProtocol = "TCP",
        SourceCidr = "10.10.0.0/24",
        SourcePortRange = "-1/-1",
        DestCidr = "0.0.0.0/0",
        DestPortRange = "443/443",
        Priority = priority,
        CreatedAt = createdAt ?? T0,
    };

    protected async Task<Acl> AddAclAsync(string regionId = Region, DateTimeOffset? createdAt = null, string name = "office", string type = Acl.SoftwareType, string resourceGroupId = "")
    {
        var acl = NewAcl(regionId, createdAt, name, type, resourceGroupId);
        Assert.Equal(AclWriteResult.Done, await Store.TryAddAclAsync(acl, AclLimit * 100, Ct));
        return acl;
    }

    private async Task<string> AddAclIdAsync() => (await AddAclAsync()).AclId;

    protected async Task<AclRule> AddRuleAsync(string aclId, int priority = 1, DateTimeOffset? createdAt = null, string direction = "out", string name = "rule")
    {
        var rule = NewRule(aclId, priority, createdAt, direction, name);
        Assert.Equal(AclWriteResult.Done, await Store.TryAddRuleAsync(Region, rule, RuleLimit, Ct));
        return rule;
    }

    /// <summary>Records compare their DPI lists by reference, so those are compared by content separately, in order.</summary>
    protected static void AssertSameRules(IReadOnlyList<AclRule> expected, IReadOnlyList<AclRule> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].DpiGroupIds, actual[i].DpiGroupIds);
            Assert.Equal(expected[i].DpiSignatureIds, actual[i].DpiSignatureIds);
            Assert.Equal(expected[i] with { DpiGroupIds = NoIds, DpiSignatureIds = NoIds }, actual[i] with { DpiGroupIds = NoIds, DpiSignatureIds = NoIds });
        }
    }
}
