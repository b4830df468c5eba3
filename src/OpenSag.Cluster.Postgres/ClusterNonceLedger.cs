using OpenSag.Sessions;

namespace OpenSag.Cluster.Postgres;

/// <summary>
/// Signature nonces in the shared database, so a request replayed to any node is refused (DESIGN.md §2). The
/// primary key decides: of two nodes inserting the same nonce at once exactly one inserts. An expired entry the
/// purge has not reached yet is taken over by the conditional update, as in the in-memory ledger.
/// </summary>
public sealed class ClusterNonceLedger(ClusterDatabase database, TimeProvider time) : ISignatureNonceLedger
{
    public async ValueTask<bool> TryUseAsync(string accessKeyId, string nonce, DateTimeOffset forgetAfter, CancellationToken cancellationToken) =>
        await database.ExecuteAsync(
            """
            INSERT INTO signature_nonces (access_key_id, nonce, expires_at) VALUES ($1, $2, $3)
            ON CONFLICT (access_key_id, nonce) DO UPDATE SET expires_at = EXCLUDED.expires_at
            WHERE signature_nonces.expires_at < $4
            """,
            p =>
            {
                p.AddWithValue(accessKeyId);
                p.AddWithValue(nonce);
                p.AddWithValue(forgetAfter.ToUniversalTime());
                p.AddWithValue(time.GetUtcNow());
            },
            cancellationToken) == 1;
}
