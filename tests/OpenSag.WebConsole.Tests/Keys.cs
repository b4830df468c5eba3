using OpenSag.Domain;
using OpenSag.Storage;

namespace OpenSag.WebConsole.Tests;

/// <summary>Access keys in memory, counting lookups; a test may replace a key (e.g. disable it).</summary>
public sealed class Keys(params AccessKey[] keys) : IAccessKeyStore
{
    private readonly Dictionary<string, AccessKey> _keys = keys.ToDictionary(k => k.AccessKeyId, StringComparer.Ordinal);

    public int Lookups { get; private set; }

    public void Put(AccessKey key) => _keys[key.AccessKeyId] = key;

    public Task<AccessKey?> FindAccessKeyAsync(string accessKeyId, CancellationToken cancellationToken)
    {
        Lookups++;
        return Task.FromResult(_keys.GetValueOrDefault(accessKeyId));
    }

    public Task<bool> TryAddAccessKeyAsync(AccessKey key, CancellationToken cancellationToken) => Task.FromResult(_keys.TryAdd(key.AccessKeyId, key));
}

/// <summary>A clock that stands still until a test moves it.</summary>
public sealed class ManualClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}
