using Npgsql;
using static OpenSag.Storage.Postgres.RowMapping;

namespace OpenSag.Storage.Postgres;

/// <remarks>
/// A claim is one INSERT … ON CONFLICT: of concurrent claims of one key (from any node) exactly one inserts or takes
/// over the row, and the others wait for it and then read it. Answer and release touch the row only if it still
/// holds their claim (claimed_at), so a claim taken over after <c>abandonedBefore</c> is never overwritten.
/// </remarks>
public sealed partial class PostgresStore
{
    public async Task<ClientTokenCall?> ClaimClientTokenAsync(ClientTokenKey key, string fingerprint, DateTimeOffset now, DateTimeOffset expiredBefore,
        DateTimeOffset abandonedBefore, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        await using var transaction = await BeginWriteAsync(cancellationToken);
        await using (var expire = transaction.Command("DELETE FROM client_tokens WHERE claimed_at < @expired"))
        {
            expire.Parameters.AddWithValue("expired", ToTimestamp(expiredBefore));
            await expire.ExecuteNonQueryAsync(cancellationToken);
        }

        // A claim that meets a committed row reads it; a row released (deleted) between the two statements is gone, and
        // the claim is tried again. Bounded: each retry needs another call to claim and release the key in between.
        for (var attempt = 0; attempt < 3; attempt++)
        {
            await using (var claim = transaction.Command("""
                INSERT INTO client_tokens (access_key_id, action, client_token, fingerprint, claimed_at, request_id, answer_json, answer_xml)
                VALUES (@key, @action, @token, @fingerprint, @claimed, NULL, NULL, NULL)
                ON CONFLICT (access_key_id, action, client_token) DO UPDATE
                SET fingerprint = excluded.fingerprint, claimed_at = excluded.claimed_at
                WHERE client_tokens.request_id IS NULL AND client_tokens.claimed_at < @abandoned
                """))
            {
                AddClientTokenKey(claim, key);
                claim.Parameters.AddWithValue("fingerprint", fingerprint);
                claim.Parameters.AddWithValue("claimed", ToTimestamp(now));
                claim.Parameters.AddWithValue("abandoned", ToTimestamp(abandonedBefore));
                if (await claim.ExecuteNonQueryAsync(cancellationToken) == 1)
                {
                    await transaction.CommitAsync(cancellationToken);
                    return null;
                }
            }

            // ON CONFLICT waited for the row's writer, so the row is committed; this statement's fresh snapshot finds
            // it unless it was released since.
            await using var read = transaction.Command($"""
                SELECT {ClientTokenCallColumns} FROM client_tokens
                WHERE access_key_id = @key AND action = @action AND client_token = @token
                """);
            AddClientTokenKey(read, key);
            if (await ReadFirstAsync(read, ReadClientTokenCall, cancellationToken) is { } earlier)
            {
                await transaction.CommitAsync(cancellationToken);
                return earlier;
            }
        }

        throw new InvalidOperationException("A ClientToken was claimed and released three times while this claim ran.");
    }

    public async Task AnswerClientTokenAsync(ClientTokenKey key, DateTimeOffset claimedAt, ClientTokenAnswer answer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(answer);
        await using var transaction = await BeginWriteAsync(cancellationToken);
        await using var command = transaction.Command("""
            UPDATE client_tokens SET request_id = @requestId, answer_json = @json, answer_xml = @xml
            WHERE access_key_id = @key AND action = @action AND client_token = @token AND claimed_at = @claimed AND request_id IS NULL
            """);
        AddClientTokenKey(command, key);
        command.Parameters.AddWithValue("claimed", ToTimestamp(claimedAt));
        command.Parameters.AddWithValue("requestId", answer.RequestId);
        command.Parameters.AddWithValue("json", answer.Json);
        command.Parameters.AddWithValue("xml", answer.Xml);
        await command.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task ReleaseClientTokenAsync(ClientTokenKey key, DateTimeOffset claimedAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        await using var transaction = await BeginWriteAsync(cancellationToken);
        await using var command = transaction.Command("""
            DELETE FROM client_tokens
            WHERE access_key_id = @key AND action = @action AND client_token = @token AND claimed_at = @claimed AND request_id IS NULL
            """);
        AddClientTokenKey(command, key);
        command.Parameters.AddWithValue("claimed", ToTimestamp(claimedAt));
        await command.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    private static void AddClientTokenKey(NpgsqlCommand command, ClientTokenKey key)
    {
        command.Parameters.AddWithValue("key", key.AccessKeyId);
        command.Parameters.AddWithValue("action", key.Action);
        command.Parameters.AddWithValue("token", key.ClientToken);
    }
}
