using OpenSag.Domain;

namespace OpenSag.Storage.Tests.Contract;

public abstract partial class StoreContract
{
    [StoreFact]
    public async Task MigrateAsync_RunAgainOnAMigratedStore_KeepsData()
    {
        var instance = await AddInstanceAsync();

        await Store.MigrateAsync(Ct);
        await Store.MigrateAsync(Ct);

        AssertSameInstance(instance, await Store.FindInstanceAsync(Region, instance.SmartAGId, Ct));
    }

    [StoreFact]
    public async Task MigrateAsync_SecondStoreOnTheSameDatabase_SeesAndSharesData()
    {
        var instance = await AddInstanceAsync();

        var second = await OpenStoreAsync();
        await second.TryAddUserAsync(NewUser(instance.SmartAGId, "alice"), 10, Ct);

        AssertSameInstance(instance, await second.FindInstanceAsync(Region, instance.SmartAGId, Ct));
        Assert.NotNull(await Store.FindUserAsync(instance.SmartAGId, "alice", Ct));
    }

    [StoreFact]
    public async Task Store_ReopenedAfterDispose_KeepsEveryKindOfRecord()
    {
        var key = new AccessKey(ResourceIds.NewAccessKeyId(), ResourceIds.NewAccessKeySecret(), true, T0);
        await Store.TryAddAccessKeyAsync(key, Ct);
        var instance = await AddInstanceAsync();
        await Store.UpdateInstanceAsync(new InstanceChange(Region, instance.SmartAGId) { Name = "renamed" }, Ct);
        var user = await AddUserAsync(instance.SmartAGId, "alice", clientIp: "10.10.0.5");
        await Store.BumpSessionGenerationAsync(instance.SmartAGId, "alice", Ct);
        await Store.AddFlowAsync([new(instance.SmartAGId, "alice", "202603", 7, 8)], Ct);

        await ReopenAsync();

        Assert.Equal(key, await Store.FindAccessKeyAsync(key.AccessKeyId, Ct));
        AssertSameInstance(instance with { Name = "renamed" }, await Store.FindInstanceAsync(Region, instance.SmartAGId, Ct));
        Assert.Equal(user with { SessionGeneration = 1 }, await Store.FindUserAsync(instance.SmartAGId, "alice", Ct));
        Assert.Equal([new FlowTotal(instance.SmartAGId, "alice", "202603", 7, 8)], await Store.GetFlowAsync(instance.SmartAGId, "202603", ["alice"], Ct));
        Assert.Equal(UserWriteResult.ClientIpTaken, await Store.TryAddUserAsync(NewUser(instance.SmartAGId, "bob", clientIp: "10.10.0.5"), 10, Ct));
    }
}
