using OpenSag.Domain;

namespace OpenSag.Storage.Tests.Contract;

public abstract partial class StoreContract
{
    [StoreFact]
    public async Task FindInstanceAsync_SameRegion_ReturnsAllFields()
    {
        var instance = await AddInstanceAsync(name: "branch office");

        AssertSameInstance(instance, await Store.FindInstanceAsync(Region, instance.SmartAGId, Ct));
    }

    [StoreFact]
    public async Task FindInstanceAsync_OtherRegion_ReturnsNull()
    {
        var instance = await AddInstanceAsync();

        Assert.Null(await Store.FindInstanceAsync(OtherRegion, instance.SmartAGId, Ct));
    }

    [StoreFact]
    public async Task FindInstanceAsync_UnknownId_ReturnsNull()
    {
        await AddInstanceAsync();

        Assert.Null(await Store.FindInstanceAsync(Region, ResourceIds.NewSmartAgId(), Ct));
    }

    [StoreFact]
    public async Task FindInstanceAsync_TimeWithOffset_ReturnsSameInstant()
    {
        var instance = NewInstance() with { CreatedAt = new DateTimeOffset(2026, 5, 6, 23, 59, 58, 999, TimeSpan.FromHours(8)) };
        await Store.AddInstanceAsync(instance, Ct);

        var found = await Store.FindInstanceAsync(Region, instance.SmartAGId, Ct);

        Assert.Equal(instance.CreatedAt.ToUnixTimeMilliseconds(), found!.CreatedAt.ToUnixTimeMilliseconds());
    }

    [StoreFact]
    public async Task AddInstanceAsync_SubMillisecondTimes_AreTruncatedToTheMillisecond()
    {
        // Truncated, not rounded, and returned as UTC: what SQLite's integer milliseconds give, and what a
        // PostgreSQL timestamptz (microseconds) must be made to give.
        var precise = new DateTimeOffset(2026, 1, 2, 3, 4, 5, 678, TimeSpan.Zero).AddTicks(9999);
        var instance = NewInstance() with { CreatedAt = precise, EndsAt = precise };
        await Store.AddInstanceAsync(instance, Ct);

        var found = await Store.FindInstanceByIdAsync(instance.SmartAGId, Ct);

        Assert.Equal(new DateTimeOffset(2026, 1, 2, 3, 4, 5, 678, TimeSpan.Zero), found!.CreatedAt);
        Assert.Equal(TimeSpan.Zero, found.CreatedAt.Offset);
    }

    [StoreFact]
    public async Task FindInstanceAsync_EmptyDnsLists_ReturnsEmptyLists()
    {
        var instance = NewInstance() with { AppDns = [], RecoveredDns = [] };
        await Store.AddInstanceAsync(instance, Ct);

        var found = await Store.FindInstanceAsync(Region, instance.SmartAGId, Ct);

        Assert.Empty(found!.AppDns);
        Assert.Empty(found.RecoveredDns);
    }

    [StoreFact]
    public async Task FindInstanceByIdAsync_AnyRegion_ReturnsInstance()
    {
        var instance = await AddInstanceAsync(OtherRegion);

        AssertSameInstance(instance, await Store.FindInstanceByIdAsync(instance.SmartAGId, Ct));
        Assert.Null(await Store.FindInstanceByIdAsync(ResourceIds.NewSmartAgId(), Ct));
    }

    [StoreFact]
    public async Task ListInstancesAsync_RegionOnly_ReturnsThatRegionOldestFirstThenById()
    {
        // Id order differs from creation order, so that sorting by either alone is caught.
        var newest = NewInstance(createdAt: T0.AddMinutes(2)) with { SmartAGId = "sag-aaaaaaaaaaaaaaaaaaaa" };
        var tiedB = NewInstance(createdAt: T0.AddMinutes(1)) with { SmartAGId = "sag-cccccccccccccccccccc" };
        var tiedA = NewInstance(createdAt: T0.AddMinutes(1)) with { SmartAGId = "sag-bbbbbbbbbbbbbbbbbbbb" };
        var oldest = NewInstance(createdAt: T0) with { SmartAGId = "sag-dddddddddddddddddddd" };
        var elsewhere = NewInstance(OtherRegion, createdAt: T0.AddMinutes(-1)) with { SmartAGId = "sag-00000000000000000000" };
        foreach (var instance in new[] { newest, tiedB, tiedA, oldest, elsewhere })
        {
            await Store.AddInstanceAsync(instance, Ct);
        }

        var page = await Store.ListInstancesAsync(new InstanceFilter(Region), 1, 10, Ct);

        Assert.Equal([oldest.SmartAGId, tiedA.SmartAGId, tiedB.SmartAGId, newest.SmartAGId], page.Items.Select(i => i.SmartAGId));
        Assert.Equal(4, page.TotalCount);
        Assert.Equal(1, page.PageNumber);
        Assert.Equal(10, page.PageSize);
        AssertSameInstance(oldest, page.Items[0]);
    }

    [StoreFact]
    public async Task ListInstancesAsync_SecondPage_ReturnsItsSliceAndTheUnpagedTotal()
    {
        var all = new List<Instance>();
        for (var i = 0; i < 5; i++)
        {
            all.Add(await AddInstanceAsync(createdAt: T0.AddMinutes(i)));
        }

        var page = await Store.ListInstancesAsync(new InstanceFilter(Region), 2, 2, Ct);

        Assert.Equal([all[2].SmartAGId, all[3].SmartAGId], page.Items.Select(i => i.SmartAGId));
        Assert.Equal(5, page.TotalCount);
        Assert.Equal(2, page.PageNumber);
        Assert.Equal(2, page.PageSize);
    }

    [StoreFact]
    public async Task ListInstancesAsync_LastPartialPage_ReturnsTheRest()
    {
        var all = new List<Instance>();
        for (var i = 0; i < 5; i++)
        {
            all.Add(await AddInstanceAsync(createdAt: T0.AddMinutes(i)));
        }

        var page = await Store.ListInstancesAsync(new InstanceFilter(Region), 3, 2, Ct);

        Assert.Equal([all[4].SmartAGId], page.Items.Select(i => i.SmartAGId));
        Assert.Equal(5, page.TotalCount);
    }

    [StoreFact]
    public async Task ListInstancesAsync_PageBeyondTheEnd_ReturnsNoItemsButTheTotal()
    {
        await AddInstanceAsync();
        await AddInstanceAsync();

        var page = await Store.ListInstancesAsync(new InstanceFilter(Region), 5, 10, Ct);

        Assert.Empty(page.Items);
        Assert.Equal(2, page.TotalCount);
        Assert.Equal(5, page.PageNumber);
    }

    [StoreFact]
    public async Task ListInstancesAsync_SmartAgIds_ReturnsOnlyThoseOfTheRegion()
    {
        var wanted = await AddInstanceAsync(createdAt: T0);
        var alsoWanted = await AddInstanceAsync(createdAt: T0.AddMinutes(1));
        await AddInstanceAsync(createdAt: T0.AddMinutes(2));
        var elsewhere = await AddInstanceAsync(OtherRegion);
        var filter = new InstanceFilter(Region)
        {
            SmartAGIds = [alsoWanted.SmartAGId, wanted.SmartAGId, elsewhere.SmartAGId, ResourceIds.NewSmartAgId()],
        };

        var page = await Store.ListInstancesAsync(filter, 1, 10, Ct);

        Assert.Equal([wanted.SmartAGId, alsoWanted.SmartAGId], page.Items.Select(i => i.SmartAGId));
        Assert.Equal(2, page.TotalCount);
    }

    [StoreFact]
    public async Task ListInstancesAsync_Name_ReturnsExactMatchesOnly()
    {
        var match = await AddInstanceAsync(name: "office");
        await AddInstanceAsync(name: "office 2");
        await AddInstanceAsync(name: "Office");
        await AddInstanceAsync(OtherRegion, name: "office");

        var page = await Store.ListInstancesAsync(new InstanceFilter(Region) { Name = "office" }, 1, 10, Ct);

        Assert.Equal([match.SmartAGId], page.Items.Select(i => i.SmartAGId));
        Assert.Equal(1, page.TotalCount);
    }

    [StoreFact]
    public async Task ListInstancesAsync_ActiveSoftware_ReturnsEveryInstance()
    {
        await AddInstanceAsync();
        await AddInstanceAsync();
        var filter = new InstanceFilter(Region) { Status = Instance.ActiveStatus, InstanceType = Instance.InstanceType };

        var page = await Store.ListInstancesAsync(filter, 1, 10, Ct);

        Assert.Equal(2, page.Items.Count);
        Assert.Equal(2, page.TotalCount);
    }

    [StoreTheory]
    [InlineData("Deleting", null)]
    [InlineData(null, "hardware")]
    public async Task ListInstancesAsync_OtherStatusOrType_ReturnsNothing(string? status, string? instanceType)
    {
        await AddInstanceAsync();
        var filter = new InstanceFilter(Region) { Status = status, InstanceType = instanceType };

        var page = await Store.ListInstancesAsync(filter, 1, 10, Ct);

        Assert.Empty(page.Items);
        Assert.Equal(0, page.TotalCount);
    }

    [StoreFact]
    public async Task UpdateInstanceAsync_ExistingInstance_ReplacesMutableFieldsOnly()
    {
        var instance = await AddInstanceAsync();
        var changed = instance with
        {
            Name = "renamed",
            Description = "new description",
            CidrBlock = "192.168.0.0/16",
            SecurityLockThreshold = 7,
            AppDns = ["192.168.0.53", "192.168.0.54"],
            RecoveredDns = [],
        };

        Assert.True(await Store.UpdateInstanceAsync(changed with { UserCount = 99, OrderId = "1", DataPlan = 42, EndsAt = T0 }, Ct));

        AssertSameInstance(changed, await Store.FindInstanceAsync(Region, instance.SmartAGId, Ct));
    }

    [StoreFact]
    public async Task UpdateInstanceAsync_UnknownInstance_ReturnsFalse()
    {
        await AddInstanceAsync();

        Assert.False(await Store.UpdateInstanceAsync(NewInstance(), Ct));
    }

    [StoreFact]
    public async Task UpdateInstanceAsync_OtherRegion_ReturnsFalseAndLeavesTheInstance()
    {
        var instance = await AddInstanceAsync();

        Assert.False(await Store.UpdateInstanceAsync(instance with { RegionId = OtherRegion, Name = "renamed" }, Ct));

        AssertSameInstance(instance, await Store.FindInstanceAsync(Region, instance.SmartAGId, Ct));
    }
}
