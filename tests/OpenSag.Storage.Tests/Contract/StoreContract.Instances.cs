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
    public async Task UpdateInstanceAsync_EverySettingSet_WritesThemAndKeepsTheRest()
    {
        var instance = await AddInstanceAsync();
        var change = new InstanceChange(Region, instance.SmartAGId)
        {
            Name = "renamed",
            Description = "new description",
            CidrBlock = Cidr("192.168.0.0/16"),
            SecurityLockThreshold = 7,
            AppDns = ["192.168.0.53", "192.168.0.54"],
            RecoveredDns = [],
        };

        Assert.Equal(InstanceWriteResult.Done, await Store.UpdateInstanceAsync(change, Ct));

        var expected = instance with
        {
            Name = "renamed",
            Description = "new description",
            CidrBlock = "192.168.0.0/16",
            SecurityLockThreshold = 7,
            AppDns = ["192.168.0.53", "192.168.0.54"],
            RecoveredDns = [],
        };
        AssertSameInstance(expected, await Store.FindInstanceAsync(Region, instance.SmartAGId, Ct));
    }

    [StoreFact]
    public async Task UpdateInstanceAsync_OneSettingSet_LeavesEveryOtherAsStoredNow()
    {
        var instance = await AddInstanceAsync();
        // Committed after the caller of the write below may have read the instance: a copy written back would undo it.
        await Store.UpdateInstanceAsync(new InstanceChange(Region, instance.SmartAGId) { Description = "described", AppDns = [] }, Ct);

        Assert.Equal(InstanceWriteResult.Done, await Store.UpdateInstanceAsync(new InstanceChange(Region, instance.SmartAGId) { Name = "renamed" }, Ct));

        AssertSameInstance(instance with { Name = "renamed", Description = "described", AppDns = [] }, await Store.FindInstanceAsync(Region, instance.SmartAGId, Ct));
    }

    [StoreFact]
    public async Task UpdateInstanceAsync_UnknownInstance_ReturnsNotFound()
    {
        await AddInstanceAsync();

        Assert.Equal(InstanceWriteResult.NotFound, await Store.UpdateInstanceAsync(new InstanceChange(Region, ResourceIds.NewSmartAgId()) { Name = "renamed" }, Ct));
        Assert.Equal(InstanceWriteResult.NotFound, await Store.UpdateInstanceAsync(new InstanceChange(Region, ResourceIds.NewSmartAgId()) { CidrBlock = Cidr("10.0.0.0/8") }, Ct));
    }

    [StoreFact]
    public async Task UpdateInstanceAsync_OtherRegion_ReturnsNotFoundAndLeavesTheInstance()
    {
        var instance = await AddInstanceAsync();
        await AddUserAsync(instance.SmartAGId, "alice", clientIp: "10.10.0.5");

        Assert.Equal(InstanceWriteResult.NotFound, await Store.UpdateInstanceAsync(new InstanceChange(OtherRegion, instance.SmartAGId) { Name = "renamed" }, Ct));
        Assert.Equal(InstanceWriteResult.NotFound, await Store.UpdateInstanceAsync(new InstanceChange(OtherRegion, instance.SmartAGId) { CidrBlock = Cidr("10.20.0.0/24") }, Ct));

        AssertSameInstance(instance, await Store.FindInstanceAsync(Region, instance.SmartAGId, Ct));
    }

    [StoreFact]
    public async Task UpdateInstanceAsync_CidrBlockWithoutAUsersStaticClientIp_ReturnsStaticClientIpOutsideAndWritesNothing()
    {
        var instance = await AddInstanceAsync();
        await AddUserAsync(instance.SmartAGId, "alice", clientIp: "10.10.0.200");
        await AddUserAsync(instance.SmartAGId, "bob");
        var change = new InstanceChange(Region, instance.SmartAGId) { Name = "renamed", CidrBlock = Cidr("10.10.0.0/25") };

        Assert.Equal(InstanceWriteResult.StaticClientIpOutside, await Store.UpdateInstanceAsync(change, Ct));

        AssertSameInstance(instance, await Store.FindInstanceAsync(Region, instance.SmartAGId, Ct));
    }

    [StoreFact]
    public async Task UpdateInstanceAsync_CidrBlockWithEveryStaticClientIp_Writes()
    {
        var instance = await AddInstanceAsync();
        await AddUserAsync(instance.SmartAGId, "alice", clientIp: "10.10.0.100");

        Assert.Equal(InstanceWriteResult.Done, await Store.UpdateInstanceAsync(new InstanceChange(Region, instance.SmartAGId) { CidrBlock = Cidr("10.10.0.0/25") }, Ct));

        AssertSameInstance(instance with { CidrBlock = "10.10.0.0/25" }, await Store.FindInstanceAsync(Region, instance.SmartAGId, Ct));
    }

    /// <summary>
    /// Writers of different settings (ModifySmartAccessGateway's Name and Description sent at once, a threshold, the
    /// DNS lists) race on one row, each through its own store object as separate nodes would; after every round each
    /// setting holds what its writer wrote.
    /// </summary>
    [StoreFact]
    public async Task UpdateInstanceAsync_ConcurrentWritesOfDifferentSettings_EveryWriteSticks()
    {
        const int rounds = 20;
        var instance = await AddInstanceAsync();
        IOpenSagStore[] stores = [Store, await OpenStoreAsync(), await OpenStoreAsync()];

        for (var round = 0; round < rounds; round++)
        {
            var cidr = $"10.{round}.0.0/24";
            string[] appDns = [$"10.{round}.0.53"];
            InstanceChange[] changes =
            [
                new(Region, instance.SmartAGId) { Name = "name" + round },
                new(Region, instance.SmartAGId) { Description = "description " + round },
                new(Region, instance.SmartAGId) { CidrBlock = Cidr(cidr) },
                new(Region, instance.SmartAGId) { SecurityLockThreshold = round },
                new(Region, instance.SmartAGId) { AppDns = appDns, RecoveredDns = [] },
            ];
            var results = await Task.WhenAll(changes.Select((change, i) => Task.Run(() => stores[(round + i) % stores.Length].UpdateInstanceAsync(change, Ct)))).WaitAsync(Timeout);

            Assert.All(results, r => Assert.Equal(InstanceWriteResult.Done, r));
            var expected = instance with
            {
                Name = "name" + round,
                Description = "description " + round,
                CidrBlock = cidr,
                SecurityLockThreshold = round,
                AppDns = appDns,
                RecoveredDns = [],
            };
            AssertSameInstance(expected, await Store.FindInstanceAsync(Region, instance.SmartAGId, Ct));
        }
    }

    /// <summary>
    /// A CIDR change and adds of users with static addresses of the old block race; whichever order they commit in,
    /// no user ends up holding an address the stored block cannot assign.
    /// </summary>
    [StoreFact]
    public async Task UpdateInstanceAsync_CidrChangeRacingStaticClientIpAdds_NoStaticClientIpEndsOutside()
    {
        const int rounds = 10, addsPerRound = 4;
        var instance = await AddInstanceAsync();
        var second = await OpenStoreAsync();

        for (var round = 0; round < rounds; round++)
        {
            // Every round starts from the block the adds' addresses are in (its users gone), then races a change to a
            // disjoint block with them.
            Assert.Equal(InstanceWriteResult.Done, await Store.UpdateInstanceAsync(new InstanceChange(Region, instance.SmartAGId) { CidrBlock = Cidr("10.10.0.0/24") }, Ct));
            // Started on both sides of the change and through both store objects, so that some adds commit before it
            // and some after (one store object queues its writes in order).
            Task Add(IOpenSagStore store, int i) => Task.Run(() => store.TryAddUserAsync(
                NewUser(instance.SmartAGId, $"user{round}-{i}", clientIp: $"10.10.0.{10 + i}"), 1000, Ct));
            var before = Enumerable.Range(0, addsPerRound / 2).Select(i => Add(second, i)).ToArray();
            var change = Store.UpdateInstanceAsync(new InstanceChange(Region, instance.SmartAGId) { CidrBlock = Cidr("10.20.0.0/24") }, Ct);
            var after = Enumerable.Range(addsPerRound / 2, addsPerRound / 2).Select(i => Add(Store, i)).ToArray();
            await Task.WhenAll([.. before, change, .. after]).WaitAsync(Timeout);

            var stored = await Store.FindInstanceAsync(Region, instance.SmartAGId, Ct);
            var users = await Store.ListUsersAsync(new UserFilter(instance.SmartAGId), 1, 1000, Ct);
            Assert.All(users.Items, u => Assert.True(ClientAddressSpace.CanAssign(stored!.CidrBlock, u.ClientIp),
                $"round {round}: {u.UserName} holds {u.ClientIp} outside {stored.CidrBlock}"));

            foreach (var user in users.Items)
            {
                await Store.DeleteUserAsync(instance.SmartAGId, user.UserName, Ct);
            }
        }
    }
    /// <summary>
    /// A /28 of 100.64.0.0/10 (2^18 of them) that no other test is likely to use: tests share one database, and overlap is
    /// checked across every instance, whose default block is 10.10.0.0/24.
    /// </summary>
    private static string UniqueBlock() => $"100.{64 + Random.Shared.Next(64)}.{Random.Shared.Next(256)}.{16 * Random.Shared.Next(16)}/28";

    [StoreFact]
    public async Task UpdateInstanceAsync_BlockOverlappingAnotherInstancesWithRefuseCidrOverlap_ReturnsCidrOverlapAndWritesNothing()
    {
        var first = await AddInstanceAsync();
        var second = await AddInstanceAsync(OtherRegion);
        var block = Cidr(UniqueBlock());
        Assert.Equal(InstanceWriteResult.Done, await Store.UpdateInstanceAsync(new InstanceChange(Region, first.SmartAGId) { CidrBlock = block, RefuseCidrOverlap = true }, Ct));

        // Half of it, from an instance in another region: one gateway routes every region's blocks.
        var half = Cidr($"{block.Network.BaseAddress}/29");
        var change = new InstanceChange(OtherRegion, second.SmartAGId) { Name = "renamed", CidrBlock = half, RefuseCidrOverlap = true };
        Assert.Equal(InstanceWriteResult.CidrOverlap, await Store.UpdateInstanceAsync(change, Ct));

        AssertSameInstance(second, await Store.FindInstanceAsync(OtherRegion, second.SmartAGId, Ct));
        Assert.Equal(InstanceWriteResult.Done, await Store.UpdateInstanceAsync(change with { RefuseCidrOverlap = false }, Ct));
    }

    [StoreFact]
    public async Task UpdateInstanceAsync_OwnBlockChangedWithRefuseCidrOverlap_IsNoOverlap()
    {
        var instance = await AddInstanceAsync();
        var block = Cidr(UniqueBlock());
        Assert.Equal(InstanceWriteResult.Done, await Store.UpdateInstanceAsync(new InstanceChange(Region, instance.SmartAGId) { CidrBlock = block, RefuseCidrOverlap = true }, Ct));
        Assert.Equal(InstanceWriteResult.Done, await Store.UpdateInstanceAsync(new InstanceChange(Region, instance.SmartAGId) { CidrBlock = Cidr($"{block.Network.BaseAddress}/29"), RefuseCidrOverlap = true }, Ct));
    }

    /// <summary>
    /// Two instances set overlapping blocks at once, through two store objects as two nodes would: the check and the
    /// write are one transaction that serializes with the other's, so at most one of them wins each round.
    /// </summary>
    [StoreFact]
    public async Task UpdateInstanceAsync_OverlappingBlocksRacingOnTwoInstances_AtMostOneWins()
    {
        const int rounds = 10;
        var first = await AddInstanceAsync();
        var second = await AddInstanceAsync();
        var other = await OpenStoreAsync();
        for (var round = 0; round < rounds; round++)
        {
            var block = Cidr(UniqueBlock());
            var results = await Task.WhenAll(
                Task.Run(() => Store.UpdateInstanceAsync(new InstanceChange(Region, first.SmartAGId) { CidrBlock = block, RefuseCidrOverlap = true }, Ct)),
                Task.Run(() => other.UpdateInstanceAsync(new InstanceChange(Region, second.SmartAGId) { CidrBlock = block, RefuseCidrOverlap = true }, Ct))).WaitAsync(Timeout);

            Assert.Equal(1, results.Count(r => r == InstanceWriteResult.Done));
            Assert.Equal(1, results.Count(r => r == InstanceWriteResult.CidrOverlap));

            // Apart again for the next round (back to the default 10.10.0.0/24, outside every round's 100.64.0.0/10).
            var winner = results[0] == InstanceWriteResult.Done ? first : second;
            Assert.Equal(block.ToString(), (await Store.FindInstanceAsync(Region, winner.SmartAGId, Ct))!.CidrBlock);
            Assert.Equal(InstanceWriteResult.Done, await Store.UpdateInstanceAsync(new InstanceChange(Region, winner.SmartAGId) { CidrBlock = Cidr("10.10.0.0/24") }, Ct));
        }
    }
}
