using OpenSag.Domain;

namespace OpenSag.Storage.Tests.Contract;

public abstract partial class StoreContract
{
    [StoreFact]
    public async Task TryAddAccessKeyAsync_NewId_AddsKeyWithAllFields()
    {
        var key = new AccessKey(ResourceIds.NewAccessKeyId(), ResourceIds.NewAccessKeySecret(), Enabled: true, T0);

        Assert.True(await Store.TryAddAccessKeyAsync(key, Ct));

        Assert.Equal(key, await Store.FindAccessKeyAsync(key.AccessKeyId, Ct));
    }

    [StoreFact]
    public async Task TryAddAccessKeyAsync_DisabledKey_KeepsItDisabled()
    {
        var key = new AccessKey(ResourceIds.NewAccessKeyId(), ResourceIds.NewAccessKeySecret(), Enabled: false, T0);

        Assert.True(await Store.TryAddAccessKeyAsync(key, Ct));

        Assert.False((await Store.FindAccessKeyAsync(key.AccessKeyId, Ct))!.Enabled);
    }

    [StoreFact]
    public async Task TryAddAccessKeyAsync_DuplicateId_ReturnsFalseAndKeepsTheFirst()
    {
        var first = new AccessKey(ResourceIds.NewAccessKeyId(), "first-secret", Enabled: true, T0);
        var second = first with { AccessKeySecret = "second-secret", CreatedAt = T0.AddDays(1) };
        Assert.True(await Store.TryAddAccessKeyAsync(first, Ct));

        Assert.False(await Store.TryAddAccessKeyAsync(second, Ct));

        Assert.Equal(first, await Store.FindAccessKeyAsync(first.AccessKeyId, Ct));
    }

    [StoreFact]
    public async Task FindAccessKeyAsync_UnknownId_ReturnsNull()
    {
        await Store.TryAddAccessKeyAsync(new AccessKey(ResourceIds.NewAccessKeyId(), "secret", true, T0), Ct);

        Assert.Null(await Store.FindAccessKeyAsync("LTAI-unknown", Ct));
    }
}
