using System.Collections.Concurrent;
using OpenSag.Domain;
using OpenSag.Storage;

namespace OpenSag.Api.Tests.Support;

/// <summary>The access-key part of storage, in memory: the authenticator only looks keys up by id.</summary>
public sealed class InMemoryAccessKeyStore : IAccessKeyStore
{
    private readonly ConcurrentDictionary<string, AccessKey> _keys = new(StringComparer.Ordinal);

    public InMemoryAccessKeyStore(params AccessKey[] keys)
    {
        foreach (var key in keys)
        {
            _keys[key.AccessKeyId] = key;
        }
    }

    public Task<AccessKey?> FindAccessKeyAsync(string accessKeyId, CancellationToken cancellationToken) =>
        Task.FromResult(_keys.GetValueOrDefault(accessKeyId));

    public Task<bool> TryAddAccessKeyAsync(AccessKey key, CancellationToken cancellationToken) =>
        Task.FromResult(_keys.TryAdd(key.AccessKeyId, key));
}
