using Microsoft.Data.Sqlite;
using OpenSag.Domain;
using OpenSag.Security;
using static OpenSag.Storage.Sqlite.RowMapping;

namespace OpenSag.Storage.Sqlite;

public sealed partial class SqliteStore
{
    public async Task<AccessKey?> FindAccessKeyAsync(string accessKeyId, CancellationToken cancellationToken)
    {
        await using var transaction = await BeginSingleReadAsync(cancellationToken);
        var command = transaction.Command($"SELECT {AccessKeyColumns} FROM access_keys WHERE access_key_id = $id");
        command.Parameters.AddWithValue("$id", accessKeyId);
        return await ReadFirstAsync(command, row => ReadAccessKey(row, _secrets), cancellationToken);
    }

    public Task<bool> TryAddAccessKeyAsync(AccessKey key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        var sealedSecret = _secrets.Seal(key.AccessKeyId, key.AccessKeySecret);
        return WriteAsync(async (transaction, ct) =>
        {
            var command = transaction.Command($"""
                INSERT INTO access_keys ({AccessKeyColumns}) VALUES ($id, $secret, $enabled, $created)
                ON CONFLICT (access_key_id) DO NOTHING
                """);
            command.Parameters.AddWithValue("$id", key.AccessKeyId);
            command.Parameters.AddWithValue("$secret", sealedSecret);
            command.Parameters.AddWithValue("$enabled", key.Enabled);
            command.Parameters.AddWithValue("$created", ToUnixMilliseconds(key.CreatedAt));
            return await command.ExecuteNonQueryAsync(ct) == 1;
        }, cancellationToken);
    }

    /// <summary>
    /// Seals every secret an older version stored in clear and checks that every sealed one opens with this store's
    /// key, in one write transaction; then truncates the WAL so that no copy of a clear secret is left in either file.
    /// </summary>
    /// <remarks>
    /// <c>secure_delete</c> makes SQLite zero the bytes a rewritten row leaves behind in its page, so the new page
    /// image (first in the WAL, then in the database file) holds no trace of the clear value (without it SQLite
    /// often reuses or zeroes that space anyway, but does not promise to); the
    /// <c>TRUNCATE</c> checkpoint then copies those pages over the old ones in the database file and empties the WAL,
    /// which may still hold older page images. The checkpoint runs at every start, not only when something was
    /// sealed, so that one which found a reader in its way (another process on the file) is completed next time.
    /// </remarks>
    /// <exception cref="UnreadableSecretException">A stored secret does not open with this store's key.</exception>
    private async Task SealStoredSecretsAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        await Migrations.ExecuteAsync(connection, null, "PRAGMA secure_delete = ON", cancellationToken);
        using (var transaction = connection.BeginTransaction(deferred: false))
        {
            var clear = new List<(string Id, string Secret)>();
            using (var select = connection.CreateCommand())
            {
                select.Transaction = transaction;
                select.CommandText = "SELECT access_key_id, access_key_secret FROM access_keys";
                await using var reader = await select.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    var (id, stored) = (reader.GetString(0), reader.GetString(1));
                    if (_secrets.NeedsSealing(id, stored))
                    {
                        clear.Add((id, stored));
                    }
                }
            }

            foreach (var (id, secret) in clear)
            {
                using var update = connection.CreateCommand();
                update.Transaction = transaction;
                update.CommandText = "UPDATE access_keys SET access_key_secret = $secret WHERE access_key_id = $id";
                update.Parameters.AddWithValue("$id", id);
                update.Parameters.AddWithValue("$secret", _secrets.Seal(id, secret));
                await update.ExecuteNonQueryAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
        }

        await Migrations.ExecuteAsync(connection, null, "PRAGMA wal_checkpoint(TRUNCATE)", cancellationToken);
    }
}
