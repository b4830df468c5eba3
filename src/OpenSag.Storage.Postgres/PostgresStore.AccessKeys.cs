using OpenSag.Domain;
using static OpenSag.Storage.Postgres.RowMapping;

namespace OpenSag.Storage.Postgres;

public sealed partial class PostgresStore
{
    public async Task<AccessKey?> FindAccessKeyAsync(string accessKeyId, CancellationToken cancellationToken)
    {
        await using var transaction = await BeginReadAsync(cancellationToken);
        await using var command = transaction.Command($"SELECT {AccessKeyColumns} FROM access_keys WHERE access_key_id = @id");
        command.Parameters.AddWithValue("id", accessKeyId);
        return await ReadFirstAsync(command, ReadAccessKey, cancellationToken);
    }

    public async Task<bool> TryAddAccessKeyAsync(AccessKey key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        await using var transaction = await BeginWriteAsync(cancellationToken);
        // ON CONFLICT decides the race between two nodes bootstrapping the same root key: one inserts, the other
        // is told it was already there, neither fails.
        await using var command = transaction.Command($"""
            INSERT INTO access_keys ({AccessKeyColumns}) VALUES (@id, @secret, @enabled, @created)
            ON CONFLICT (access_key_id) DO NOTHING
            """);
        command.Parameters.AddWithValue("id", key.AccessKeyId);
        command.Parameters.AddWithValue("secret", key.AccessKeySecret);
        command.Parameters.AddWithValue("enabled", key.Enabled);
        command.Parameters.AddWithValue("created", ToTimestamp(key.CreatedAt));
        var added = await command.ExecuteNonQueryAsync(cancellationToken) == 1;
        await transaction.CommitAsync(cancellationToken);
        return added;
    }
}
