using OpenSag.Domain;
using static OpenSag.Storage.Sqlite.RowMapping;

namespace OpenSag.Storage.Sqlite;

public sealed partial class SqliteStore
{
    public async Task<AccessKey?> FindAccessKeyAsync(string accessKeyId, CancellationToken cancellationToken)
    {
        await using var transaction = await BeginSingleReadAsync(cancellationToken);
        var command = transaction.Command($"SELECT {AccessKeyColumns} FROM access_keys WHERE access_key_id = $id");
        command.Parameters.AddWithValue("$id", accessKeyId);
        return await ReadFirstAsync(command, ReadAccessKey, cancellationToken);
    }

    public Task<bool> TryAddAccessKeyAsync(AccessKey key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        return WriteAsync(async (transaction, ct) =>
        {
            var command = transaction.Command($"""
                INSERT INTO access_keys ({AccessKeyColumns}) VALUES ($id, $secret, $enabled, $created)
                ON CONFLICT (access_key_id) DO NOTHING
                """);
            command.Parameters.AddWithValue("$id", key.AccessKeyId);
            command.Parameters.AddWithValue("$secret", key.AccessKeySecret);
            command.Parameters.AddWithValue("$enabled", key.Enabled);
            command.Parameters.AddWithValue("$created", ToUnixMilliseconds(key.CreatedAt));
            return await command.ExecuteNonQueryAsync(ct) == 1;
        }, cancellationToken);
    }
}
