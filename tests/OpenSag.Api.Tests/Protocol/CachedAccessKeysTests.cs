using OpenSag.Api.Protocol;
using OpenSag.Api.Tests.Support;
using OpenSag.Domain;
using OpenSag.Storage;

namespace OpenSag.Api.Tests.Protocol;

/// <summary>The few seconds an access key is reused without a store read, and what is never kept.</summary>
public class CachedAccessKeysTests
{
    private static readonly DateTimeOffset Now = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly AccessKey Key = new("LTAI5tCachedKey", "first-secret", Enabled: true, Now);

    private readonly ManualTimeProvider _time = new(Now);
    private readonly CountingKeyStore _store = new();
    private readonly CachedAccessKeys _cache;

    public CachedAccessKeysTests()
    {
        _store.Keys[Key.AccessKeyId] = Key;
        _cache = new CachedAccessKeys(_store, _time);
    }

    [Fact]
    public async Task FindAccessKeyAsync_WithinLifetime_ReadsTheStoreOnce()
    {
        var first = await _cache.FindAccessKeyAsync(Key.AccessKeyId, CancellationToken.None);
        _time.Advance(CachedAccessKeys.Lifetime - TimeSpan.FromMilliseconds(1));
        var second = await _cache.FindAccessKeyAsync(Key.AccessKeyId, CancellationToken.None);

        Assert.Equal(Key, first);
        Assert.Equal(Key, second);
        Assert.Equal(1, _store.Lookups);
    }

    [Fact]
    public async Task FindAccessKeyAsync_AfterLifetime_SeesAKeyDisabledInTheStore()
    {
        await _cache.FindAccessKeyAsync(Key.AccessKeyId, CancellationToken.None);
        _store.Keys[Key.AccessKeyId] = Key with { Enabled = false };
        _time.Advance(CachedAccessKeys.Lifetime);

        var found = await _cache.FindAccessKeyAsync(Key.AccessKeyId, CancellationToken.None);

        Assert.False(found!.Enabled);
        Assert.Equal(2, _store.Lookups);
    }

    [Fact]
    public async Task FindAccessKeyAsync_UnknownId_AsksTheStoreEveryTime()
    {
        Assert.Null(await _cache.FindAccessKeyAsync("LTAI5tUnknown", CancellationToken.None));
        _store.Keys["LTAI5tUnknown"] = Key with { AccessKeyId = "LTAI5tUnknown" };

        Assert.NotNull(await _cache.FindAccessKeyAsync("LTAI5tUnknown", CancellationToken.None));
        Assert.Equal(2, _store.Lookups);
    }

    private sealed class CountingKeyStore : IAccessKeyStore
    {
        public Dictionary<string, AccessKey> Keys { get; } = new(StringComparer.Ordinal);

        public int Lookups { get; private set; }

        public Task<AccessKey?> FindAccessKeyAsync(string accessKeyId, CancellationToken cancellationToken)
        {
            Lookups++;
            return Task.FromResult(Keys.GetValueOrDefault(accessKeyId));
        }

        public Task<bool> TryAddAccessKeyAsync(AccessKey key, CancellationToken cancellationToken) =>
            Task.FromResult(Keys.TryAdd(key.AccessKeyId, key));
    }
}
