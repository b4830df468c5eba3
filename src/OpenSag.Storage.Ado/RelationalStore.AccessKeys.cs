using OpenSag.Domain;
using OpenSag.Security;

namespace OpenSag.Storage.Ado;

public abstract partial class RelationalStore
{
    public async Task<AccessKey?> FindAccessKeyAsync(string accessKeyId, CancellationToken cancellationToken)
    {
        await using var transaction = await BeginReadAsync(singleStatement: true, cancellationToken);
        var command = transaction.Command($"SELECT {Rows.AccessKeyColumns} FROM access_keys WHERE access_key_id = @id");
        command.Bind("id", accessKeyId);
        return await ReadFirstAsync(command, row => Rows.ReadAccessKey(row, Secrets), cancellationToken);
    }

    public Task<bool> TryAddAccessKeyAsync(AccessKey key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        var sealedSecret = Secrets.Seal(key.AccessKeyId, key.AccessKeySecret);
        return WriteAsync(async (transaction, ct) =>
        {
            // ON CONFLICT decides the race between two nodes bootstrapping the same root key: one inserts, the other
            // is told it was already there, neither fails.
            var command = transaction.Command($"""
                INSERT INTO access_keys ({Rows.AccessKeyColumns}) VALUES (@id, @secret, @enabled, @created)
                ON CONFLICT (access_key_id) DO NOTHING
                """);
            command.Bind("id", key.AccessKeyId);
            command.Bind("secret", sealedSecret);
            command.Bind("enabled", key.Enabled);
            command.Bind("created", Dialect.ToInstant(key.CreatedAt));
            return await command.ExecuteNonQueryAsync(ct) == 1;
        }, cancellationToken);
    }

    /// <summary>
    /// Seals every secret an older version stored in clear and checks that every sealed one opens with this store's
    /// key, in <paramref name="transaction"/> (a write the caller commits); returns how many were sealed. The rows are
    /// locked first, so of several nodes starting at once one seals and the others then check what it wrote: a node
    /// given another key fails here instead of sealing with it. What the rewritten rows leave behind in the files is
    /// the engine's to clear.
    /// </summary>
    /// <exception cref="UnreadableSecretException">A stored secret does not open with this store's key.</exception>
    protected async Task<int> SealStoredSecretsAsync(StoreTransaction transaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        var select = transaction.Command($"SELECT access_key_id, access_key_secret FROM access_keys ORDER BY access_key_id {Dialect.ForUpdate}");
        var stored = await ReadAllAsync(select, row => (Id: row.GetString(0), Secret: row.GetString(1)), cancellationToken);
        var clear = stored.Where(key => Secrets.NeedsSealing(key.Id, key.Secret)).ToList();
        foreach (var (id, secret) in clear)
        {
            var update = transaction.Command("UPDATE access_keys SET access_key_secret = @secret WHERE access_key_id = @id");
            update.Bind("id", id);
            update.Bind("secret", Secrets.Seal(id, secret));
            await update.ExecuteNonQueryAsync(cancellationToken);
        }

        return clear.Count;
    }
}
