using OpenSag.Domain;
using OpenSag.Security;
using static OpenSag.Storage.Postgres.RowMapping;

namespace OpenSag.Storage.Postgres;

public sealed partial class PostgresStore
{
    public async Task<AccessKey?> FindAccessKeyAsync(string accessKeyId, CancellationToken cancellationToken)
    {
        await using var transaction = await BeginReadAsync(cancellationToken);
        await using var command = transaction.Command($"SELECT {AccessKeyColumns} FROM access_keys WHERE access_key_id = @id");
        command.Parameters.AddWithValue("id", accessKeyId);
        return await ReadFirstAsync(command, row => ReadAccessKey(row, _secrets), cancellationToken);
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
        command.Parameters.AddWithValue("secret", _secrets.Seal(key.AccessKeyId, key.AccessKeySecret));
        command.Parameters.AddWithValue("enabled", key.Enabled);
        command.Parameters.AddWithValue("created", ToTimestamp(key.CreatedAt));
        var added = await command.ExecuteNonQueryAsync(cancellationToken) == 1;
        await transaction.CommitAsync(cancellationToken);
        return added;
    }

    /// <summary>
    /// Seals every secret an older version stored in clear and checks that every sealed one opens with this store's
    /// key. The rows are locked first, so of several nodes starting at once one seals and the others then check
    /// what it wrote: a node given another key fails here instead of sealing with it.
    /// </summary>
    /// <remarks>
    /// The rewritten rows leave their clear versions behind as dead tuples in the table's pages, which autovacuum
    /// would not soon reclaim for so small a table and which a plain VACUUM leaves in the page's free space; so
    /// after sealing the table is rewritten with <c>VACUUM FULL</c> (a table of a few rows; an owner-only command,
    /// which PostgreSQL skips with a warning for another role). PostgreSQL's own WAL and backups made before the
    /// upgrade still hold the clear secrets: README tells operators to replace those keys.
    /// </remarks>
    /// <exception cref="UnreadableSecretException">A stored secret does not open with this store's key.</exception>
    private async Task SealStoredSecretsAsync(CancellationToken cancellationToken)
    {
        var clear = new List<(string Id, string Secret)>();
        await using (var transaction = await BeginWriteAsync(cancellationToken))
        {
            await using (var select = transaction.Command("SELECT access_key_id, access_key_secret FROM access_keys ORDER BY access_key_id FOR UPDATE"))
            await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
            {
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
                await using var update = transaction.Command("UPDATE access_keys SET access_key_secret = @secret WHERE access_key_id = @id");
                update.Parameters.AddWithValue("id", id);
                update.Parameters.AddWithValue("secret", _secrets.Seal(id, secret));
                await update.ExecuteNonQueryAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
        }

        if (clear.Count > 0)
        {
            await using var vacuum = _dataSource.CreateCommand("VACUUM FULL access_keys");
            await vacuum.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}
