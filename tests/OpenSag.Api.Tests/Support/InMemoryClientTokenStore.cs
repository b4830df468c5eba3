using OpenSag.Storage;

namespace OpenSag.Api.Tests.Support;

/// <summary>
/// The ClientToken part of storage, in memory, with the contract of <see cref="IClientTokenStore"/> (which the store
/// kit checks on both engines); it counts claims so tests can tell a call that acted from one that was answered.
/// </summary>
public sealed class InMemoryClientTokenStore : IClientTokenStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<ClientTokenKey, ClientTokenCall> _calls = [];

    /// <summary>Claims granted so far.</summary>
    public int Claims { get; private set; }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _calls.Count;
            }
        }
    }

    /// <summary>Puts a call in place as another node would have, e.g. an unanswered claim.</summary>
    public void Put(ClientTokenKey key, ClientTokenCall call)
    {
        lock (_gate)
        {
            _calls[key] = call;
        }
    }

    public Task<ClientTokenCall?> ClaimClientTokenAsync(ClientTokenKey key, string fingerprint, DateTimeOffset now, DateTimeOffset expiredBefore,
        DateTimeOffset abandonedBefore, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            foreach (var expired in _calls.Where(c => c.Value.ClaimedAt < expiredBefore).Select(c => c.Key).ToList())
            {
                _calls.Remove(expired);
            }

            if (_calls.TryGetValue(key, out var call) && (call.Answer is not null || call.ClaimedAt >= abandonedBefore))
            {
                return Task.FromResult<ClientTokenCall?>(call);
            }

            _calls[key] = new ClientTokenCall(fingerprint, now, null);
            Claims++;
            return Task.FromResult<ClientTokenCall?>(null);
        }
    }

    public Task AnswerClientTokenAsync(ClientTokenKey key, DateTimeOffset claimedAt, ClientTokenAnswer answer, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_calls.TryGetValue(key, out var call) && call.ClaimedAt == claimedAt && call.Answer is null)
            {
                _calls[key] = call with { Answer = answer };
            }
        }

        return Task.CompletedTask;
    }

    public Task ReleaseClientTokenAsync(ClientTokenKey key, DateTimeOffset claimedAt, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_calls.TryGetValue(key, out var call) && call.ClaimedAt == claimedAt && call.Answer is null)
            {
                _calls.Remove(key);
            }
        }

        return Task.CompletedTask;
    }
}
