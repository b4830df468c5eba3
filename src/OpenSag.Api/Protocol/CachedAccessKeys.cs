using System.Collections.Concurrent;
using OpenSag.Domain;
using OpenSag.Storage;

namespace OpenSag.Api.Protocol;

/// <summary>
/// Access keys as the store last returned them, reused for a few seconds: every signed call needs its key's
/// secret, and a store read per call was a quarter of the cheapest calls' cost. No action changes a key; the short
/// lifetime bounds how long a key disabled or replaced in the database by hand keeps its old state. Unknown ids
/// are not kept, so made-up ids cost store reads, not memory.
/// </summary>
public sealed class CachedAccessKeys(IAccessKeyStore store, TimeProvider time) : IAccessKeyStore
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, (AccessKey Key, DateTimeOffset Until)> _recent = new(StringComparer.Ordinal);

    public async Task<AccessKey?> FindAccessKeyAsync(string accessKeyId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_recent.TryGetValue(accessKeyId, out var entry) && now < entry.Until)
        {
            return entry.Key;
        }

        var key = await store.FindAccessKeyAsync(accessKeyId, cancellationToken);
        if (key is null)
        {
            _recent.TryRemove(accessKeyId, out _);
        }
        else
        {
            _recent[accessKeyId] = (key, now + Lifetime);
        }

        return key;
    }

    public async Task<bool> TryAddAccessKeyAsync(AccessKey key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        var added = await store.TryAddAccessKeyAsync(key, cancellationToken);
        _recent.TryRemove(key.AccessKeyId, out _);
        return added;
    }
}
