namespace OpenSag.Storage.Tests.Contract;

/// <summary>
/// UserCount, DataPlan and a user's AccelerateBandwidth as the issue 12 item 5 actions write them, and the user limit
/// they must keep: never more users than the stored UserCount, whatever a caller read before.
/// </summary>
public abstract partial class StoreContract
{
    [StoreFact]
    public async Task UpdateInstanceAsync_UserCountAndDataPlan_Written()
    {
        var instance = await AddInstanceAsync(userCount: 10);

        Assert.Equal(InstanceWriteResult.Done, await Store.UpdateInstanceAsync(new InstanceChange(Region, instance.SmartAGId) { UserCount = 20, DataPlan = 5 }, Ct));

        var stored = await Store.FindInstanceAsync(Region, instance.SmartAGId, Ct);
        Assert.Equal(20, stored!.UserCount);
        Assert.Equal(5, stored.DataPlan);
        Assert.Equal(instance.Name, stored.Name);
    }

    [StoreFact]
    public async Task UpdateInstanceAsync_UserCountBelowItsUsers_RefusedAndUnchanged()
    {
        var instance = await AddInstanceAsync(userCount: 10);
        await AddUserAsync(instance.SmartAGId, "alice");
        await AddUserAsync(instance.SmartAGId, "bob");

        var refused = await Store.UpdateInstanceAsync(new InstanceChange(Region, instance.SmartAGId) { UserCount = 1, Name = "renamed" }, Ct);
        var exact = await Store.UpdateInstanceAsync(new InstanceChange(Region, instance.SmartAGId) { UserCount = 2 }, Ct);

        Assert.Equal(InstanceWriteResult.UsersAboveUserCount, refused);
        Assert.Equal(InstanceWriteResult.Done, exact);
        var stored = await Store.FindInstanceAsync(Region, instance.SmartAGId, Ct);
        Assert.Equal(2, stored!.UserCount);
        Assert.Equal(instance.Name, stored.Name);
    }

    [StoreFact]
    public async Task UpdateInstanceAsync_UserCountOfUnknownOrOtherRegion_NotFound()
    {
        var instance = await AddInstanceAsync();

        Assert.Equal(InstanceWriteResult.NotFound, await Store.UpdateInstanceAsync(new InstanceChange(OtherRegion, instance.SmartAGId) { UserCount = 5 }, Ct));
        Assert.Equal(InstanceWriteResult.NotFound, await Store.UpdateInstanceAsync(new InstanceChange(Region, Domain.ResourceIds.NewSmartAgId()) { UserCount = 5 }, Ct));
    }

    [StoreFact]
    public async Task TryAddUserAsync_LimitReadBeforeADowngrade_StoredUserCountHolds()
    {
        var instance = await AddInstanceAsync(userCount: 10);
        await AddUserAsync(instance.SmartAGId, "alice");
        await Store.UpdateInstanceAsync(new InstanceChange(Region, instance.SmartAGId) { UserCount = 1 }, Ct);

        // The caller still passes the 10 it read before the downgrade.
        var result = await Store.TryAddUserAsync(NewUser(instance.SmartAGId, "bob"), 10, Ct);

        Assert.Equal(UserWriteResult.OverLimit, result);
    }

    [StoreFact]
    public async Task TryAddUserAsync_RacingDowngrades_NeverMoreUsersThanUserCount()
    {
        const int rounds = 8, adds = 6;
        var second = await OpenStoreAsync();
        for (var round = 0; round < rounds; round++)
        {
            var instance = await AddInstanceAsync(userCount: 10);
            var downgrade = Task.Run(() => second.UpdateInstanceAsync(new InstanceChange(Region, instance.SmartAGId) { UserCount = 3 }, Ct));
            var added = Enumerable.Range(0, adds).Select(i => Task.Run(() => Store.TryAddUserAsync(NewUser(instance.SmartAGId, $"user{i}"), 10, Ct))).ToArray();
            await Task.WhenAll([downgrade, .. added]).WaitAsync(Timeout);

            var stored = await Store.FindInstanceAsync(Region, instance.SmartAGId, Ct);
            var users = (await Store.ListUsersAsync(new UserFilter(instance.SmartAGId), 1, 100, Ct)).TotalCount;
            Assert.True(users <= stored!.UserCount, $"round {round}: {users} users, UserCount {stored.UserCount}");
        }
    }

    [StoreFact]
    public async Task UpdateUserAsync_AccelerateBandwidth_WrittenAloneAndKeptByOtherChanges()
    {
        var instance = await AddInstanceAsync();
        await AddUserAsync(instance.SmartAGId, "alice");

        var accelerated = await Store.UpdateUserAsync(new ClientUserChange(instance.SmartAGId, "alice") { AccelerateBandwidth = 3000 }, Ct);
        var renamed = await Store.UpdateUserAsync(new ClientUserChange(instance.SmartAGId, "alice") { UserMail = "new@example.com" }, Ct);

        Assert.Equal(3000, accelerated!.AccelerateBandwidth);
        Assert.Equal(2000, accelerated.Bandwidth);
        Assert.Equal(3000, renamed!.AccelerateBandwidth);
    }
}
