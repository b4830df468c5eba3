using static OpenSag.Storage.Sqlite.RowMapping;

namespace OpenSag.Storage.Sqlite;

/// <remarks>
/// A claim is one <c>BEGIN IMMEDIATE</c> transaction (<see cref="WriteQueue"/>): the read of the key's call and the
/// insert that claims it cannot interleave with another claim, from this process or another.
/// </remarks>
public sealed partial class SqliteStore
{
    public Task<ClientTokenCall?> ClaimClientTokenAsync(ClientTokenKey key, string fingerprint, DateTimeOffset now, DateTimeOffset expiredBefore,
        DateTimeOffset abandonedBefore, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        return WriteAsync(async (transaction, ct) =>
        {
            var expire = transaction.Command("DELETE FROM client_tokens WHERE claimed_at_ms < $expired");
            expire.Parameters.AddWithValue("$expired", ToUnixMilliseconds(expiredBefore));
            await expire.ExecuteNonQueryAsync(ct);

            var read = transaction.Command($"""
                SELECT {ClientTokenCallColumns} FROM client_tokens
                WHERE access_key_id = $key AND action = $action AND client_token = $token
                """);
            AddClientTokenKey(read, key);
            var earlier = await ReadFirstAsync(read, ReadClientTokenCall, ct);
            if (earlier is not null && (earlier.Answer is not null || earlier.ClaimedAt >= abandonedBefore))
            {
                return earlier;
            }

            var claim = transaction.Command("""
                INSERT OR REPLACE INTO client_tokens (access_key_id, action, client_token, fingerprint, claimed_at_ms, request_id, answer_json, answer_xml)
                VALUES ($key, $action, $token, $fingerprint, $claimed, NULL, NULL, NULL)
                """);
            AddClientTokenKey(claim, key);
            claim.Parameters.AddWithValue("$fingerprint", fingerprint);
            claim.Parameters.AddWithValue("$claimed", ToUnixMilliseconds(now));
            await claim.ExecuteNonQueryAsync(ct);
            return null;
        }, cancellationToken);
    }

    public Task AnswerClientTokenAsync(ClientTokenKey key, DateTimeOffset claimedAt, ClientTokenAnswer answer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(answer);
        return WriteAsync(async (transaction, ct) =>
        {
            var command = transaction.Command("""
                UPDATE client_tokens SET request_id = $requestId, answer_json = $json, answer_xml = $xml
                WHERE access_key_id = $key AND action = $action AND client_token = $token AND claimed_at_ms = $claimed AND request_id IS NULL
                """);
            AddClientTokenKey(command, key);
            command.Parameters.AddWithValue("$claimed", ToUnixMilliseconds(claimedAt));
            command.Parameters.AddWithValue("$requestId", answer.RequestId);
            command.Parameters.AddWithValue("$json", answer.Json);
            command.Parameters.AddWithValue("$xml", answer.Xml);
            await command.ExecuteNonQueryAsync(ct);
        }, cancellationToken);
    }

    public Task ReleaseClientTokenAsync(ClientTokenKey key, DateTimeOffset claimedAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        return WriteAsync(async (transaction, ct) =>
        {
            var command = transaction.Command("""
                DELETE FROM client_tokens
                WHERE access_key_id = $key AND action = $action AND client_token = $token AND claimed_at_ms = $claimed AND request_id IS NULL
                """);
            AddClientTokenKey(command, key);
            command.Parameters.AddWithValue("$claimed", ToUnixMilliseconds(claimedAt));
            await command.ExecuteNonQueryAsync(ct);
        }, cancellationToken);
    }

    private static void AddClientTokenKey(Microsoft.Data.Sqlite.SqliteCommand command, ClientTokenKey key)
    {
        command.Parameters.AddWithValue("$key", key.AccessKeyId);
        command.Parameters.AddWithValue("$action", key.Action);
        command.Parameters.AddWithValue("$token", key.ClientToken);
    }
}
