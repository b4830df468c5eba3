using OpenSag.Domain;

namespace OpenSag.Storage.Ado;

/// <remarks>
/// A claim is one INSERT … ON CONFLICT: of concurrent claims of one key exactly one inserts the row or takes it over
/// (on PostgreSQL the others wait for that writer and then find its row; SQLite's write transactions exclude each
/// other). Answer and release touch the row only while it still holds their claim (claimed at that instant, no
/// answer yet), so a claim taken over after abandonment is never overwritten by the presumed-dead one.
/// </remarks>
public abstract partial class RelationalStore
{
    public Task<ClientTokenCall?> ClaimClientTokenAsync(ClientTokenKey key, string fingerprint, DateTimeOffset now, DateTimeOffset expiredBefore,
        DateTimeOffset abandonedBefore, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        return WriteAsync<ClientTokenCall?>(async (transaction, ct) =>
        {
            var expire = transaction.Command($"DELETE FROM client_tokens WHERE {Dialect.Instant("claimed_at")} < @expired");
            expire.Bind("expired", Dialect.ToInstant(expiredBefore));
            await expire.ExecuteNonQueryAsync(ct);

            // A row released (deleted) between the claim and the read is gone, and the claim is tried again. Bounded:
            // each retry needs another call to claim and release the key in between.
            for (var attempt = 0; attempt < 3; attempt++)
            {
                var claim = transaction.Command($"""
                    INSERT INTO client_tokens (access_key_id, action, client_token, fingerprint, {Dialect.Instant("claimed_at")}, request_id, answer_json, answer_xml)
                    VALUES (@key, @action, @token, @fingerprint, @claimed, NULL, NULL, NULL)
                    ON CONFLICT (access_key_id, action, client_token) DO UPDATE
                    SET fingerprint = excluded.fingerprint, {Dialect.Instant("claimed_at")} = excluded.{Dialect.Instant("claimed_at")}
                    WHERE client_tokens.request_id IS NULL AND client_tokens.{Dialect.Instant("claimed_at")} < @abandoned
                    """);
                BindClientTokenKey(claim, key);
                claim.Bind("fingerprint", fingerprint);
                claim.Bind("claimed", Dialect.ToInstant(now));
                claim.Bind("abandoned", Dialect.ToInstant(abandonedBefore));
                if (await claim.ExecuteNonQueryAsync(ct) == 1)
                {
                    return null;
                }

                var read = transaction.Command($"""
                    SELECT {Rows.ClientTokenCallColumns} FROM client_tokens
                    WHERE access_key_id = @key AND action = @action AND client_token = @token
                    """);
                BindClientTokenKey(read, key);
                if (await ReadFirstAsync(read, Rows.ReadClientTokenCall, ct) is { } earlier)
                {
                    return earlier;
                }
            }

            throw new InvalidOperationException("A ClientToken was claimed and released three times while this claim ran.");
        }, cancellationToken);
    }

    public Task AnswerClientTokenAsync(ClientTokenKey key, DateTimeOffset claimedAt, ClientTokenAnswer answer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(answer);
        return WriteAsync(async (transaction, ct) =>
        {
            var command = transaction.Command($"""
                UPDATE client_tokens SET request_id = @requestId, answer_json = @json, answer_xml = @xml
                WHERE access_key_id = @key AND action = @action AND client_token = @token
                  AND {Dialect.Instant("claimed_at")} = @claimed AND request_id IS NULL
                """);
            BindClientTokenKey(command, key);
            command.Bind("claimed", Dialect.ToInstant(claimedAt));
            command.Bind("requestId", answer.RequestId);
            command.Bind("json", answer.Json);
            command.Bind("xml", answer.Xml);
            return await command.ExecuteNonQueryAsync(ct);
        }, cancellationToken);
    }

    public Task ReleaseClientTokenAsync(ClientTokenKey key, DateTimeOffset claimedAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        return WriteAsync(async (transaction, ct) =>
        {
            var command = transaction.Command($"""
                DELETE FROM client_tokens
                WHERE access_key_id = @key AND action = @action AND client_token = @token
                  AND {Dialect.Instant("claimed_at")} = @claimed AND request_id IS NULL
                """);
            BindClientTokenKey(command, key);
            command.Bind("claimed", Dialect.ToInstant(claimedAt));
            return await command.ExecuteNonQueryAsync(ct);
        }, cancellationToken);
    }

    private static void BindClientTokenKey(System.Data.Common.DbCommand command, ClientTokenKey key)
    {
        command.Bind("key", key.AccessKeyId);
        command.Bind("action", key.Action);
        command.Bind("token", key.ClientToken);
    }
}
