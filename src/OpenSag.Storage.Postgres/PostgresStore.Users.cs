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
/// <see cref="UserWriteResult.ClientIpTaken"/>.
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
        var result = await CheckRoomAsync(transaction, user.SmartAGId, user.UserName, userLimit, cancellationToken);
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

    public async Task<ClientUser?> UpdateUserAsync(ClientUser user, bool bumpGeneration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        await using var transaction = await BeginWriteAsync(cancellationToken);
        // session_generation is only ever incremented in place: the caller's copy may predate a kick (possibly on
        // another node), and writing it back would let the credentials that kick revoked resume.
        await using var command = transaction.Command($"""
            UPDATE client_users
            SET user_mail = @mail, bandwidth = @bandwidth, client_ip = @clientIp, password_hash = @passwordHash,
                state = @state, accelerate_bandwidth = @accelerate, session_generation = session_generation + @bump
            WHERE smart_ag_id = @id AND user_name = @name
            RETURNING {UserColumns}
            """);
        AddMutableUserFields(command, user);
        command.Parameters.AddWithValue("bump", bumpGeneration ? 1L : 0L);
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

    public async Task<UserWriteResult> TryMoveUserAsync(string originSmartAgId, ClientUser moved, int targetUserLimit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(moved);
        await using var transaction = await BeginWriteAsync(cancellationToken);

        // The stored generation, not the caller's copy, is what gets carried over (see UpdateUserAsync); the row
        // lock makes a kick committed meanwhile on another node wait, then count, instead of being lost.
        await using var origin = transaction.Command("SELECT session_generation FROM client_users WHERE smart_ag_id = @id AND user_name = @name FOR UPDATE");
        origin.Parameters.AddWithValue("id", originSmartAgId);
        origin.Parameters.AddWithValue("name", moved.UserName);
        if (await origin.ExecuteScalarAsync(cancellationToken) is not long generation)
        {
            return UserWriteResult.NotFound;
        }

        // Checked before the delete, so a "move" onto the origin itself finds its own name taken.
        var result = await CheckRoomAsync(transaction, moved.SmartAGId, moved.UserName, targetUserLimit, cancellationToken);
        if (result != UserWriteResult.Done)
        {
            return result;
        }

        await using var delete = transaction.Command("DELETE FROM client_users WHERE smart_ag_id = @id AND user_name = @name");
        delete.Parameters.AddWithValue("id", originSmartAgId);
        delete.Parameters.AddWithValue("name", moved.UserName);
        await delete.ExecuteNonQueryAsync(cancellationToken);

        // Anything but Done leaves the transaction uncommitted, and disposing it rolls the delete back.
        result = await InsertUserAsync(transaction, moved, generation + 1, cancellationToken);
        if (result == UserWriteResult.Done)
        {
            await transaction.CommitAsync(cancellationToken);
        }

        return result;
    }

    /// <summary>
    /// Locks the instance row (see the class remarks), then tells whether the instance exists, has the name free and
    /// holds fewer than <paramref name="userLimit"/> users.
    /// </summary>
    private static async Task<UserWriteResult> CheckRoomAsync(DatabaseTransaction transaction, string smartAgId, string userName, int userLimit, CancellationToken cancellationToken)
    {
        await using (var lockInstance = transaction.Command("SELECT 1 FROM instances WHERE smart_ag_id = @id FOR UPDATE"))
        {
            lockInstance.Parameters.AddWithValue("id", smartAgId);
            if (await lockInstance.ExecuteScalarAsync(cancellationToken) is null)
            {
                return UserWriteResult.NotFound;
            }
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
        return (sameName: reader.GetInt64(0), users: reader.GetInt64(1)) switch
        {
            { sameName: > 0 } => UserWriteResult.NameTaken,
            var counts when counts.users >= userLimit => UserWriteResult.OverLimit,
            _ => UserWriteResult.Done,
        };
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

    /// <summary>The key and the fields <see cref="UpdateUserAsync"/> writes, bound the same for insert and update.</summary>
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

    /// <summary>Typed parameters: a NULL alone would leave PostgreSQL unable to infer the type of "@x IS NULL".</summary>
    private static void AddUserFilter(NpgsqlCommand command, UserFilter filter)
    {
        command.Parameters.AddWithValue("id", filter.SmartAGId);
        command.Parameters.Add(new NpgsqlParameter("name", NpgsqlDbType.Text) { Value = (object?)filter.UserName ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("mail", NpgsqlDbType.Text) { Value = (object?)filter.UserMail ?? DBNull.Value });
    }
}
