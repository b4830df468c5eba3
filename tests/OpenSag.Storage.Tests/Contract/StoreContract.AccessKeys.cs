using OpenSag.Domain;
using OpenSag.Security;

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

    [StoreFact]
    public async Task TryAddAccessKeyAsync_AnyKey_StoresTheSecretOnlySealed()
    {
        var key = new AccessKey(ResourceIds.NewAccessKeyId(), ResourceIds.NewAccessKeySecret(), Enabled: true, T0);

        await Store.TryAddAccessKeyAsync(key, Ct);

        var stored = await ReadStoredSecretAsync(key.AccessKeyId);
        Assert.DoesNotContain(key.AccessKeySecret, stored, StringComparison.Ordinal);
        Assert.StartsWith($"aes256gcm${Secrets.KeyId}$", stored, StringComparison.Ordinal);
        await ReopenAsync();
        Assert.Equal(key, await Store.FindAccessKeyAsync(key.AccessKeyId, Ct));
    }

    [StoreFact]
    public async Task MigrateAsync_SecretStoredInClearByAnOlderVersion_SealsItAndStillFindsIt()
    {
        var key = new AccessKey(ResourceIds.NewAccessKeyId(), ResourceIds.NewAccessKeySecret(), Enabled: true, T0);
        await Store.TryAddAccessKeyAsync(key, Ct);
        // What a build from before sealing left in the column.
        await WriteStoredSecretAsync(key.AccessKeyId, key.AccessKeySecret);

        await ReopenAsync();

        var stored = await ReadStoredSecretAsync(key.AccessKeyId);
        Assert.DoesNotContain(key.AccessKeySecret, stored, StringComparison.Ordinal);
        Assert.True(AccessKeySecretCipher.IsSealed(stored), stored);
        Assert.Equal(key, await Store.FindAccessKeyAsync(key.AccessKeyId, Ct));
    }

    [StoreFact]
    public async Task MigrateAsync_SecretsSealedWithAnotherKey_ThrowsUnreadableSecretNamingBothKeys()
    {
        var key = new AccessKey(ResourceIds.NewAccessKeyId(), ResourceIds.NewAccessKeySecret(), Enabled: true, T0);
        await Store.TryAddAccessKeyAsync(key, Ct);
        var otherKey = TestSecretsKey.New();
        await using var other = CreateStore(otherKey);

        var refusal = await Assert.ThrowsAsync<UnreadableSecretException>(() => other.MigrateAsync(Ct));

        Assert.Equal(key.AccessKeyId, refusal.AccessKeyId);
        Assert.Contains(Secrets.KeyId, refusal.Message, StringComparison.Ordinal);
        Assert.Contains(otherKey.KeyId, refusal.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(key.AccessKeySecret, refusal.Message, StringComparison.Ordinal);
    }

    [StoreFact]
    public async Task FindAccessKeyAsync_SealedSecretCopiedFromAnotherKeysRow_ThrowsUnreadableSecret()
    {
        var victim = new AccessKey(ResourceIds.NewAccessKeyId(), ResourceIds.NewAccessKeySecret(), Enabled: true, T0);
        var attacker = new AccessKey(ResourceIds.NewAccessKeyId(), ResourceIds.NewAccessKeySecret(), Enabled: true, T0);
        await Store.TryAddAccessKeyAsync(victim, Ct);
        await Store.TryAddAccessKeyAsync(attacker, Ct);

        await WriteStoredSecretAsync(attacker.AccessKeyId, await ReadStoredSecretAsync(victim.AccessKeyId));

        var refusal = await Assert.ThrowsAsync<UnreadableSecretException>(() => Store.FindAccessKeyAsync(attacker.AccessKeyId, Ct));
        Assert.Equal(attacker.AccessKeyId, refusal.AccessKeyId);
    }
}
