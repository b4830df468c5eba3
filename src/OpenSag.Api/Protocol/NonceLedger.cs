using System.Collections.Concurrent;
using OpenSag.Sessions;

namespace OpenSag.Api.Protocol;

/// <summary>
/// Signature nonces seen inside the timestamp window. A nonce needs remembering only while its request's timestamp
/// would still be accepted (timestamp + 15 min); after that the request fails as expired anyway, so memory is
/// bounded by the request rate times the window. One node only: a cluster shares its ledger in the database.
/// </summary>
public sealed class NonceLedger(TimeProvider time) : ISignatureNonceLedger
{
    private readonly ConcurrentDictionary<(string AccessKeyId, string Nonce), DateTimeOffset> _seen = new();
    private long _nextPurgeTicks;

    public ValueTask<bool> TryUseAsync(string accessKeyId, string nonce, DateTimeOffset forgetAfter, CancellationToken cancellationToken) =>
        ValueTask.FromResult(TryUse(accessKeyId, nonce, forgetAfter));

    /// <summary>
    /// Records the nonce; false if the same key already used it and it has not expired. An entry still counts at
    /// the instant it expires, because the timestamp check accepts that instant too.
    /// </summary>
    public bool TryUse(string accessKeyId, string nonce, DateTimeOffset forgetAfter)
    {
        PurgeOccasionally();
        var now = time.GetUtcNow();
        while (true)
        {
            if (_seen.TryAdd((accessKeyId, nonce), forgetAfter))
            {
                return true;
            }

            if (!_seen.TryGetValue((accessKeyId, nonce), out var expiry) || expiry >= now)
            {
                return false;
            }

            // An expired entry the purge has not reached yet: replace it only if nobody else did.
            if (_seen.TryUpdate((accessKeyId, nonce), forgetAfter, expiry))
            {
                return true;
            }
        }
    }

    private void PurgeOccasionally()
    {
        var now = time.GetUtcNow();
        var next = Interlocked.Read(ref _nextPurgeTicks);
        if (now.UtcTicks < next || Interlocked.CompareExchange(ref _nextPurgeTicks, now.AddMinutes(1).UtcTicks, next) != next)
        {
            return;
        }

        foreach (var entry in _seen)
        {
            if (entry.Value < now)
            {
                _seen.TryRemove(entry);
            }
        }
    }
}
