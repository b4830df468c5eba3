using Npgsql;
using NpgsqlTypes;
using OpenSag.Domain;
using static OpenSag.Storage.Postgres.RowMapping;

namespace OpenSag.Storage.Postgres;

/// <remarks>
/// Concurrency: a user is added (or moved in) only while holding <c>SELECT … FOR UPDATE</c> on its instance's row,
/// in a READ COMMITTED transaction. Every check of the limit and of the name is per instance, so that row is
/// exactly the scope of the invariant: writers to one instance queue on it (from any node), and since under READ
/// COMMITTED each statement takes a fresh snapshot, the counts read after the lock include everything the previous
/// holder committed. SERIALIZABLE would also be correct, but under a burst of adds to one instance all but one
/// transaction would fail with 40001 and have to be retried, and the retries would collide again; a lock queue
/// serves them in turn, each once. Static ClientIps are left to the unique index, whose violation is mapped to
/// <see cref="UserWriteResult.ClientIpTaken"/>. The instance's CIDR block, against which a static ClientIp is checked,
/// is read by that same locking statement, and a CIDR change takes the same lock (PostgresStore.Instances), so the
/// two never interleave.
/// </remarks>
public sealed partial class PostgresStore
{
    /// <summary>The partial unique index on static addresses (Migrations); the only unique constraint a checked insert can hit.</summary>
    private const string StaticIpConstraint = "client_users_static_ip";

    private const string UserFilterSql = """
        WHERE smart_ag_id = @id
          AND (@name IS NULL OR user_name = @name)
          AND (@mail IS NULL OR user_mail = @mail)
        """;

    public async Task<UserWriteResult> TryAddUserAsync(ClientUser user, int userLimit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        await using var transaction = await BeginWriteAsync(cancellationToken);
        var (result, cidrBlock) = await CheckRoomAsync(transaction, user.SmartAGId, user.UserName, userLimit, cancellationToken);
        if (result == UserWriteResult.Done && user.IsStaticIp && !ClientAddressSpace.CanAssign(cidrBlock, user.ClientIp))
        {
            result = UserWriteResult.ClientIpInvalid;
        }

        if (result == UserWriteResult.Done)
        {
            result = await InsertUserAsync(transaction, user, user.SessionGeneration, cancellationToken);
        }

        if (result == UserWriteResult.Done)
        {
            await transaction.CommitAsync(cancellationToken);
        }

        return result;
    }

    public async Task<ClientUser?> FindUserAsync(string smartAgId, string userName, CancellationToken cancellationToken)
    {
        await using var transaction = await BeginReadAsync(cancellationToken);
        await using var command = transaction.Command($"SELECT {UserColumns} FROM client_users WHERE smart_ag_id = @id AND user_name = @name");
        command.Parameters.AddWithValue("id", smartAgId);
        command.Parameters.AddWithValue("name", userName);
        return await ReadFirstAsync(command, ReadUser, cancellationToken);
    }

    public async Task<Page<ClientUser>> ListUsersAsync(UserFilter filter, int pageNumber, int pageSize, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        return await ReadPageAsync(
            UserColumns, $"FROM client_users {UserFilterSql}", "created_at, user_name",
            command => AddUserFilter(command, filter), ReadUser, pageNumber, pageSize, cancellationToken);
    }

    public async Task<ClientUser?> UpdateUserAsync(ClientUserChange change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        await using var transaction = await BeginWriteAsync(cancellationToken);
        // A NULL parameter keeps the stored value. Under READ COMMITTED an UPDATE that finds its row changed by a
        // transaction committed meanwhile (on any node) waits for it, then evaluates SET on the newest version, so
        // no field the change does not set is ever written back stale. session_generation is only ever incremented
        // in place, so no credential a kick revoked can come back.
        await using var command = transaction.Command($"""
            UPDATE client_users
            SET user_mail = coalesce(@mail, user_mail), bandwidth = coalesce(@bandwidth, bandwidth),
                password_hash = coalesce(@passwordHash, password_hash), state = coalesce(@state, state),
                accelerate_bandwidth = coalesce(@accelerate, accelerate_bandwidth),
                session_generation = session_generation + @bump
            WHERE smart_ag_id = @id AND user_name = @name
            RETURNING {UserColumns}
            """);
        var p = command.Parameters;
        p.AddWithValue("id", change.SmartAGId);
        p.AddWithValue("name", change.UserName);
        p.Add(OptionalParameter("mail", NpgsqlDbType.Text, change.UserMail));
        p.Add(OptionalParameter("bandwidth", NpgsqlDbType.Integer, change.Bandwidth));
        p.Add(OptionalParameter("passwordHash", NpgsqlDbType.Text, change.PasswordHash));
        p.Add(OptionalParameter("state", NpgsqlDbType.Integer, (int?)change.State));
        p.Add(OptionalParameter("accelerate", NpgsqlDbType.Bigint, change.AccelerateBandwidth));
        p.AddWithValue("bump", change.BumpGeneration ? 1L : 0L);
        var stored = await ReadFirstAsync(command, ReadUser, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return stored;
    }

    public async Task<long?> BumpSessionGenerationAsync(string smartAgId, string userName, CancellationToken cancellationToken)
    {
        await using var transaction = await BeginWriteAsync(cancellationToken);
        await using var command = transaction.Command("""
            UPDATE client_users SET session_generation = session_generation + 1
            WHERE smart_ag_id = @id AND user_name = @name
            RETURNING session_generation
            """);
        command.Parameters.AddWithValue("id", smartAgId);
        command.Parameters.AddWithValue("name", userName);
        var generation = (long?)await command.ExecuteScalarAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return generation;
    }

    public async Task<bool> DeleteUserAsync(string smartAgId, string userName, CancellationToken cancellationToken)
    {
        await using var transaction = await BeginWriteAsync(cancellationToken);
        await using var command = transaction.Command("DELETE FROM client_users WHERE smart_ag_id = @id AND user_name = @name");
        command.Parameters.AddWithValue("id", smartAgId);
        command.Parameters.AddWithValue("name", userName);
        var deleted = await command.ExecuteNonQueryAsync(cancellationToken) == 1;
        await transaction.CommitAsync(cancellationToken);
        return deleted;
    }

    public async Task<UserWriteResult> TryMoveUserAsync(string originSmartAgId, string userName, string targetSmartAgId, int targetUserLimit, CancellationToken cancellationToken)
    {
        await using var transaction = await BeginWriteAsync(cancellationToken);

        // The row as stored, locked, is what moves, not a copy the caller read earlier: that copy could predate a
        // disable, a password reset or a kick on any node. The lock makes such a write committed meanwhile wait,
        // then count, instead of being lost.
        await using var origin = transaction.Command($"SELECT {UserColumns} FROM client_users WHERE smart_ag_id = @id AND user_name = @name FOR UPDATE");
        origin.Parameters.AddWithValue("id", originSmartAgId);
        origin.Parameters.AddWithValue("name", userName);
        if (await ReadFirstAsync(origin, ReadUser, cancellationToken) is not { } stored)
        {
            return UserWriteResult.NotFound;
        }

        // Checked before the delete, so a "move" onto the origin itself finds its own name taken.
        var (result, cidrBlock) = await CheckRoomAsync(transaction, targetSmartAgId, userName, targetUserLimit, cancellationToken);
        if (result != UserWriteResult.Done)
        {
            return result;
        }

        await using var delete = transaction.Command("DELETE FROM client_users WHERE smart_ag_id = @id AND user_name = @name");
        delete.Parameters.AddWithValue("id", originSmartAgId);
        delete.Parameters.AddWithValue("name", userName);
        await delete.ExecuteNonQueryAsync(cancellationToken);

        // Anything but Done leaves the transaction uncommitted, and disposing it rolls the delete back.
        var keepIp = stored.IsStaticIp && ClientAddressSpace.CanAssign(cidrBlock, stored.ClientIp);
        var moved = stored with { SmartAGId = targetSmartAgId, ClientIp = keepIp ? stored.ClientIp : "" };
        result = await InsertUserAsync(transaction, moved, stored.SessionGeneration + 1, cancellationToken);
        if (result == UserWriteResult.Done)
        {
            await transaction.CommitAsync(cancellationToken);
        }

        return result;
    }

    /// <summary>
    /// Locks the instance row (see the class remarks), then tells whether the instance exists, has the name free and
    /// holds fewer than <paramref name="userLimit"/> users, and its CIDR block as stored under the lock.
    /// </summary>
    private static async Task<(UserWriteResult Result, string CidrBlock)> CheckRoomAsync(DatabaseTransaction transaction, string smartAgId, string userName, int userLimit, CancellationToken cancellationToken)
    {
        string cidrBlock;
        int storedUserCount;
        await using (var lockInstance = transaction.Command("SELECT cidr_block, user_count FROM instances WHERE smart_ag_id = @id FOR UPDATE"))
        {
            lockInstance.Parameters.AddWithValue("id", smartAgId);
            await using var stored = await lockInstance.ExecuteReaderAsync(cancellationToken);
            if (!await stored.ReadAsync(cancellationToken))
            {
                return (UserWriteResult.NotFound, "");
            }

            cidrBlock = stored.GetString(0);
            // The stored UserCount too, read under the lock a resize takes: a downgrade committed since the caller
            // read the instance must hold.
            storedUserCount = stored.GetInt32(1);
        }

        // A separate statement from the lock: under READ COMMITTED its snapshot is taken after the lock was granted.
        await using var command = transaction.Command("""
            SELECT count(*) FILTER (WHERE user_name = @name), count(*)
            FROM client_users WHERE smart_ag_id = @id
            """);
        command.Parameters.AddWithValue("id", smartAgId);
        command.Parameters.AddWithValue("name", userName);
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
    /// A failed statement aborts a PostgreSQL transaction, so after ClientIpTaken the caller must not commit
    /// (it does not: only Done is committed).
    /// </summary>
    private static async Task<UserWriteResult> InsertUserAsync(DatabaseTransaction transaction, ClientUser user, long sessionGeneration, CancellationToken cancellationToken)
    {
        await using var command = transaction.Command($"""
            INSERT INTO client_users ({UserColumns})
            VALUES (@id, @name, @mail, @bandwidth, @clientIp, @passwordHash, @state, @accelerate, @generation, @created)
            """);
        AddMutableUserFields(command, user);
        var p = command.Parameters;
        p.AddWithValue("generation", sessionGeneration);
        p.AddWithValue("created", ToTimestamp(user.CreatedAt));
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
            return UserWriteResult.Done;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation && e.ConstraintName == StaticIpConstraint)
        {
            return UserWriteResult.ClientIpTaken;
        }
    }

    /// <summary>The key and every stored field but the generation and creation time, for an insert.</summary>
    private static void AddMutableUserFields(NpgsqlCommand command, ClientUser user)
    {
        var p = command.Parameters;
        p.AddWithValue("id", user.SmartAGId);
        p.AddWithValue("name", user.UserName);
        p.AddWithValue("mail", user.UserMail);
        p.AddWithValue("bandwidth", user.Bandwidth);
        p.AddWithValue("clientIp", user.ClientIp);
        p.AddWithValue("passwordHash", user.PasswordHash);
        p.AddWithValue("state", (int)user.State);
        p.AddWithValue("accelerate", user.AccelerateBandwidth);
    }

    /// <summary>A typed parameter, NULL when <paramref name="value"/> is: a NULL alone leaves PostgreSQL unable to infer its type.</summary>
    private static NpgsqlParameter OptionalParameter(string name, NpgsqlDbType type, object? value) =>
        new(name, type) { Value = value ?? DBNull.Value };

    /// <summary>Typed parameters: a NULL alone would leave PostgreSQL unable to infer the type of "@x IS NULL".</summary>
    private static void AddUserFilter(NpgsqlCommand command, UserFilter filter)
    {
        command.Parameters.AddWithValue("id", filter.SmartAGId);
        command.Parameters.Add(new NpgsqlParameter("name", NpgsqlDbType.Text) { Value = (object?)filter.UserName ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("mail", NpgsqlDbType.Text) { Value = (object?)filter.UserMail ?? DBNull.Value });
    }
}
