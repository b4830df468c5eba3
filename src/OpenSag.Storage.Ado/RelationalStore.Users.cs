using System.Data;
using System.Data.Common;
using OpenSag.Domain;

namespace OpenSag.Storage.Ado;

/// <remarks>
/// Concurrency: a user is added (or moved in) only while holding the lock on its instance's row (<see
/// cref="SqlDialect.ForUpdate"/>). Every check of the limit and of the name is per instance, so that row is exactly
/// the scope of the invariant: writers to one instance queue on it, and the counts read after the lock include
/// everything the previous holder committed. On PostgreSQL, SERIALIZABLE would also be correct, but under a burst of
/// adds to one instance all but one transaction would fail with 40001 and have to be retried, and the retries would
/// collide again; a lock queue serves them in turn, each once. Static ClientIps are left to the unique index, whose
/// violation is mapped to <see cref="UserWriteResult.ClientIpTaken"/>. The instance's CIDR block, against which a
/// static ClientIp is checked, is read by that same locking statement, and a CIDR change takes the same lock
/// (RelationalStore.Instances), so the two never interleave.
/// </remarks>
public abstract partial class RelationalStore
{
    /// <summary>The partial unique index on static addresses (each engine's migrations); the only unique constraint a checked insert can hit.</summary>
    private const string StaticIpIndex = "client_users_static_ip";

    public Task<UserWriteResult> TryAddUserAsync(ClientUser user, int userLimit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        return WriteAsync(async (transaction, ct) =>
        {
            var (result, cidrBlock) = await CheckRoomAsync(transaction, user.SmartAGId, user.UserName, userLimit, ct);
            if (result == UserWriteResult.Done && user.IsStaticIp && !ClientAddressSpace.CanAssign(cidrBlock, user.ClientIp))
            {
                result = UserWriteResult.ClientIpInvalid;
            }

            if (result == UserWriteResult.Done)
            {
                result = await InsertUserAsync(transaction, user, user.SessionGeneration, ct);
            }

            return result;
        }, keep: result => result == UserWriteResult.Done, cancellationToken);
    }

    public async Task<ClientUser?> FindUserAsync(string smartAgId, string userName, CancellationToken cancellationToken)
    {
        await using var transaction = await BeginReadAsync(singleStatement: true, cancellationToken);
        var command = transaction.Command($"SELECT {Rows.UserColumns} FROM client_users WHERE smart_ag_id = @id AND user_name = @name");
        command.Bind("id", smartAgId);
        command.Bind("name", userName);
        return await ReadFirstAsync(command, Rows.ReadUser, cancellationToken);
    }

    public async Task<Page<ClientUser>> ListUsersAsync(UserFilter filter, int pageNumber, int pageSize, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var fromWhere = $"""
            FROM client_users
            WHERE smart_ag_id = @id
              AND (@name IS NULL OR user_name = @name)
              AND (@mail IS NULL OR user_mail = @mail)
              AND (@part IS NULL OR {Dialect.Contains("user_name", "part")})
            """;
        return await ReadPageAsync(
            Rows.UserColumns, fromWhere, $"{Dialect.Instant("created_at")}, user_name",
            command => BindUserFilter(command, filter), Rows.ReadUser, pageNumber, pageSize, cancellationToken);
    }

    public Task<ClientUser?> UpdateUserAsync(ClientUserChange change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        return WriteAsync(async (transaction, ct) =>
        {
            // A NULL parameter keeps the stored value, read by this same statement: no field the change does not set
            // is written, so a concurrent write of another field is never undone (under READ COMMITTED an UPDATE
            // that finds its row changed meanwhile waits, then evaluates SET on the newest version).
            // session_generation is only ever incremented in place, so no credential a kick revoked can come back.
            var command = transaction.Command($"""
                UPDATE client_users
                SET user_mail = coalesce(@mail, user_mail), bandwidth = coalesce(@bandwidth, bandwidth),
                    password_hash = coalesce(@passwordHash, password_hash), state = coalesce(@state, state),
                    accelerate_bandwidth = coalesce(@accelerate, accelerate_bandwidth),
                    session_generation = session_generation + @bump
                WHERE smart_ag_id = @id AND user_name = @name
                RETURNING {Rows.UserColumns}
                """);
            command.Bind("id", change.SmartAGId);
            command.Bind("name", change.UserName);
            command.BindOptional("mail", DbType.String, change.UserMail);
            command.BindOptional("bandwidth", DbType.Int32, change.Bandwidth);
            command.BindOptional("passwordHash", DbType.String, change.PasswordHash);
            command.BindOptional("state", DbType.Int32, (int?)change.State);
            command.BindOptional("accelerate", DbType.Int64, change.AccelerateBandwidth);
            command.Bind("bump", change.BumpGeneration ? 1L : 0L);
            return await ReadFirstAsync(command, Rows.ReadUser, ct);
        }, cancellationToken);
    }

    public Task<long?> BumpSessionGenerationAsync(string smartAgId, string userName, CancellationToken cancellationToken) =>
        WriteAsync(async (transaction, ct) =>
        {
            var command = transaction.Command("""
                UPDATE client_users SET session_generation = session_generation + 1
                WHERE smart_ag_id = @id AND user_name = @name
                RETURNING session_generation
                """);
            command.Bind("id", smartAgId);
            command.Bind("name", userName);
            return (long?)await command.ExecuteScalarAsync(ct);
        }, cancellationToken);

    public Task<bool> DeleteUserAsync(string smartAgId, string userName, CancellationToken cancellationToken) =>
        WriteAsync(async (transaction, ct) =>
        {
            var command = transaction.Command("DELETE FROM client_users WHERE smart_ag_id = @id AND user_name = @name");
            command.Bind("id", smartAgId);
            command.Bind("name", userName);
            return await command.ExecuteNonQueryAsync(ct) == 1;
        }, cancellationToken);

    public Task<UserWriteResult> TryMoveUserAsync(string originSmartAgId, string userName, string targetSmartAgId, int targetUserLimit, CancellationToken cancellationToken) =>
        WriteAsync(async (transaction, ct) =>
        {
            // The row as stored, locked, is what moves, not a copy the caller read earlier: that copy could predate a
            // disable, a password reset or a kick on any node. The lock makes such a write committed meanwhile wait,
            // then count, instead of being lost.
            var origin = transaction.Command($"SELECT {Rows.UserColumns} FROM client_users WHERE smart_ag_id = @id AND user_name = @name {Dialect.ForUpdate}");
            origin.Bind("id", originSmartAgId);
            origin.Bind("name", userName);
            if (await ReadFirstAsync(origin, Rows.ReadUser, ct) is not { } stored)
            {
                return UserWriteResult.NotFound;
            }

            // Checked before the delete, so a "move" onto the origin itself finds its own name taken.
            var (result, cidrBlock) = await CheckRoomAsync(transaction, targetSmartAgId, userName, targetUserLimit, ct);
            if (result != UserWriteResult.Done)
            {
                return result;
            }

            var delete = transaction.Command("DELETE FROM client_users WHERE smart_ag_id = @id AND user_name = @name");
            delete.Bind("id", originSmartAgId);
            delete.Bind("name", userName);
            await delete.ExecuteNonQueryAsync(ct);

            // Anything but Done is not kept: the delete is rolled back with it.
            var keepIp = stored.IsStaticIp && ClientAddressSpace.CanAssign(cidrBlock, stored.ClientIp);
            var moved = stored with { SmartAGId = targetSmartAgId, ClientIp = keepIp ? stored.ClientIp : "" };
            return await InsertUserAsync(transaction, moved, stored.SessionGeneration + 1, ct);
        }, keep: result => result == UserWriteResult.Done, cancellationToken);

    /// <summary>
    /// Locks the instance row (see the remarks), then tells whether the instance exists, has the name free and holds
    /// fewer than <paramref name="userLimit"/> users, and its CIDR block as stored under the lock, against which the
    /// caller checks a static ClientIp in the same transaction.
    /// </summary>
    private async Task<(UserWriteResult Result, string CidrBlock)> CheckRoomAsync(StoreTransaction transaction, string smartAgId, string userName, int userLimit, CancellationToken cancellationToken)
    {
        // The stored UserCount is read under the lock a resize takes too: a downgrade committed since the caller read
        // the instance (and chose userLimit) must hold.
        var lockInstance = transaction.Command($"SELECT cidr_block, user_count FROM instances WHERE smart_ag_id = @id {Dialect.ForUpdate}");
        lockInstance.Bind("id", smartAgId);
        var stored = await ReadFirstAsync(lockInstance, row => Tuple.Create(row.GetString(0), row.GetInt32(1)), cancellationToken);
        if (stored is null)
        {
            return (UserWriteResult.NotFound, "");
        }

        var (cidrBlock, storedUserCount) = stored;

        // A separate statement from the lock: under READ COMMITTED its snapshot is taken after the lock was granted.
        var command = transaction.Command("""
            SELECT count(CASE WHEN user_name = @name THEN 1 END), count(*)
            FROM client_users WHERE smart_ag_id = @id
            """);
        command.Bind("id", smartAgId);
        command.Bind("name", userName);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var result = (sameName: reader.GetInt64(0), users: reader.GetInt64(1)) switch
        {
            { sameName: > 0 } => UserWriteResult.NameTaken,
            var counts when counts.users >= userLimit || counts.users >= storedUserCount => UserWriteResult.OverLimit,
            _ => UserWriteResult.Done,
        };
        return (result, cidrBlock);
    }

    /// <summary>
    /// ClientIpTaken when the static address is held already. A failed statement aborts a PostgreSQL transaction, so
    /// after ClientIpTaken the transaction must not be kept (it is not: only Done is).
    /// </summary>
    private async Task<UserWriteResult> InsertUserAsync(StoreTransaction transaction, ClientUser user, long sessionGeneration, CancellationToken cancellationToken)
    {
        var command = transaction.Command($"""
            INSERT INTO client_users ({Rows.UserColumns})
            VALUES (@id, @name, @mail, @bandwidth, @clientIp, @passwordHash, @state, @accelerate, @generation, @created)
            """);
        command.Bind("id", user.SmartAGId);
        command.Bind("name", user.UserName);
        command.Bind("mail", user.UserMail);
        command.Bind("bandwidth", user.Bandwidth);
        command.Bind("clientIp", user.ClientIp);
        command.Bind("passwordHash", user.PasswordHash);
        command.Bind("state", (int)user.State);
        command.Bind("accelerate", user.AccelerateBandwidth);
        command.Bind("generation", sessionGeneration);
        command.Bind("created", Dialect.ToInstant(user.CreatedAt));
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
            return UserWriteResult.Done;
        }
        catch (DbException e) when (Dialect.IsUniqueViolation(e, StaticIpIndex))
        {
            return UserWriteResult.ClientIpTaken;
        }
    }

    private static void BindUserFilter(DbCommand command, UserFilter filter)
    {
        command.Bind("id", filter.SmartAGId);
        command.BindOptional("name", DbType.String, filter.UserName);
        command.BindOptional("mail", DbType.String, filter.UserMail);
        command.BindOptional("part", DbType.String, filter.UserNameContains);
    }
}
