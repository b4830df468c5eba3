using Microsoft.Data.Sqlite;
using OpenSag.Domain;
using static OpenSag.Storage.Sqlite.RowMapping;

namespace OpenSag.Storage.Sqlite;

public sealed partial class SqliteStore
{
    /// <summary>SQLITE_CONSTRAINT_UNIQUE. The primary key reports SQLITE_CONSTRAINT_PRIMARYKEY instead, so among
    /// client_users' constraints this one can only be the static-ClientIp index.</summary>
    private const int ConstraintUnique = 2067;

    private const string UserFilterSql = """
        WHERE smart_ag_id = $id
          AND ($name IS NULL OR user_name = $name)
          AND ($mail IS NULL OR user_mail = $mail)
        """;

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
        }, cancellationToken, keep: result => result == UserWriteResult.Done);
    }

    public async Task<ClientUser?> FindUserAsync(string smartAgId, string userName, CancellationToken cancellationToken)
    {
        await using var transaction = await BeginSingleReadAsync(cancellationToken);
        var command = transaction.Command($"SELECT {UserColumns} FROM client_users WHERE smart_ag_id = $id AND user_name = $name");
        command.Parameters.AddWithValue("$id", smartAgId);
        command.Parameters.AddWithValue("$name", userName);
        return await ReadFirstAsync(command, ReadUser, cancellationToken);
    }

    public async Task<Page<ClientUser>> ListUsersAsync(UserFilter filter, int pageNumber, int pageSize, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        return await ReadPageAsync(
            UserColumns, $"FROM client_users {UserFilterSql}", "created_at_ms, user_name",
            command => AddUserFilter(command, filter), ReadUser, pageNumber, pageSize, cancellationToken);
    }

    public Task<ClientUser?> UpdateUserAsync(ClientUserChange change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        return WriteAsync(async (transaction, ct) =>
        {
            // A NULL parameter keeps the stored value, read by this same statement: no field the change does not set
            // is written, so a concurrent write of another field is never undone. session_generation is only ever
            // incremented in place, so no credential a kick revoked can come back.
            var command = transaction.Command($"""
                UPDATE client_users
                SET user_mail = coalesce($mail, user_mail), bandwidth = coalesce($bandwidth, bandwidth),
                    password_hash = coalesce($passwordHash, password_hash), state = coalesce($state, state),
                    accelerate_bandwidth = coalesce($accelerate, accelerate_bandwidth),
                    session_generation = session_generation + $bump
                WHERE smart_ag_id = $id AND user_name = $name
                RETURNING {UserColumns}
                """);
            var p = command.Parameters;
            p.AddWithValue("$id", change.SmartAGId);
            p.AddWithValue("$name", change.UserName);
            p.AddWithValue("$mail", (object?)change.UserMail ?? DBNull.Value);
            p.AddWithValue("$bandwidth", (object?)change.Bandwidth ?? DBNull.Value);
            p.AddWithValue("$passwordHash", (object?)change.PasswordHash ?? DBNull.Value);
            p.AddWithValue("$state", change.State is { } state ? (int)state : DBNull.Value);
            p.AddWithValue("$accelerate", (object?)change.AccelerateBandwidth ?? DBNull.Value);
            p.AddWithValue("$bump", change.BumpGeneration ? 1 : 0);
            return await ReadFirstAsync(command, ReadUser, ct);
        }, cancellationToken);
    }

    public Task<long?> BumpSessionGenerationAsync(string smartAgId, string userName, CancellationToken cancellationToken) =>
        WriteAsync(async (transaction, ct) =>
        {
            var command = transaction.Command("""
                UPDATE client_users SET session_generation = session_generation + 1
                WHERE smart_ag_id = $id AND user_name = $name
                RETURNING session_generation
                """);
            command.Parameters.AddWithValue("$id", smartAgId);
            command.Parameters.AddWithValue("$name", userName);
            return (long?)await command.ExecuteScalarAsync(ct);
        }, cancellationToken);

    public Task<bool> DeleteUserAsync(string smartAgId, string userName, CancellationToken cancellationToken)
    {
        return WriteAsync(async (transaction, ct) =>
        {
            var command = transaction.Command("DELETE FROM client_users WHERE smart_ag_id = $id AND user_name = $name");
            command.Parameters.AddWithValue("$id", smartAgId);
            command.Parameters.AddWithValue("$name", userName);
            return await command.ExecuteNonQueryAsync(ct) == 1;
        }, cancellationToken);
    }

    public Task<UserWriteResult> TryMoveUserAsync(string originSmartAgId, string userName, string targetSmartAgId, int targetUserLimit, CancellationToken cancellationToken) =>
        WriteAsync(async (transaction, ct) =>
        {
            // The row as stored inside this transaction is what moves, not a copy the caller read earlier: that copy
            // could predate a disable, a password reset or a kick (whose generation must be carried over).
            var origin = transaction.Command($"SELECT {UserColumns} FROM client_users WHERE smart_ag_id = $id AND user_name = $name");
            origin.Parameters.AddWithValue("$id", originSmartAgId);
            origin.Parameters.AddWithValue("$name", userName);
            if (await ReadFirstAsync(origin, ReadUser, ct) is not { } stored)
            {
                return UserWriteResult.NotFound;
            }

            // Checked before the delete, so a "move" onto the origin itself finds its own name taken.
            var (result, cidrBlock) = await CheckRoomAsync(transaction, targetSmartAgId, userName, targetUserLimit, ct);
            if (result != UserWriteResult.Done)
            {
                return result;
            }

            var delete = transaction.Command("DELETE FROM client_users WHERE smart_ag_id = $id AND user_name = $name");
            delete.Parameters.AddWithValue("$id", originSmartAgId);
            delete.Parameters.AddWithValue("$name", userName);
            await delete.ExecuteNonQueryAsync(ct);

            // Anything but Done is not kept: the delete is rolled back with it.
            var keepIp = stored.IsStaticIp && ClientAddressSpace.CanAssign(cidrBlock, stored.ClientIp);
            var moved = stored with { SmartAGId = targetSmartAgId, ClientIp = keepIp ? stored.ClientIp : "" };
            return await InsertUserAsync(transaction, moved, stored.SessionGeneration + 1, ct);
        }, cancellationToken, keep: result => result == UserWriteResult.Done);

    /// <summary>
    /// Whether the instance exists, has the name free and holds fewer than <paramref name="userLimit"/> users, and its
    /// CIDR block as stored now, against which the caller checks a static ClientIp in the same transaction.
    /// </summary>
    private static async Task<(UserWriteResult Result, string CidrBlock)> CheckRoomAsync(DatabaseTransaction transaction, string smartAgId, string userName, int userLimit, CancellationToken cancellationToken)
    {
        var command = transaction.Command("""
            SELECT (SELECT count(*) FROM instances WHERE smart_ag_id = $id),
                   (SELECT count(*) FROM client_users WHERE smart_ag_id = $id AND user_name = $name),
                   (SELECT count(*) FROM client_users WHERE smart_ag_id = $id),
                   (SELECT cidr_block FROM instances WHERE smart_ag_id = $id),
                   (SELECT user_count FROM instances WHERE smart_ag_id = $id)
            """);
        command.Parameters.AddWithValue("$id", smartAgId);
        command.Parameters.AddWithValue("$name", userName);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var result = (instances: reader.GetInt64(0), sameName: reader.GetInt64(1), users: reader.GetInt64(2)) switch
        {
            { instances: 0 } => UserWriteResult.NotFound,
            { sameName: > 0 } => UserWriteResult.NameTaken,
            // The stored UserCount too, read in this transaction: a downgrade committed since the caller read the
            // instance must hold.
            var counts when counts.users >= userLimit || counts.users >= reader.GetInt64(4) => UserWriteResult.OverLimit,
            _ => UserWriteResult.Done,
        };
        return (result, reader.IsDBNull(3) ? "" : reader.GetString(3));
    }

    private static async Task<UserWriteResult> InsertUserAsync(DatabaseTransaction transaction, ClientUser user, long sessionGeneration, CancellationToken cancellationToken)
    {
        var command = transaction.Command($"""
            INSERT INTO client_users ({UserColumns})
            VALUES ($id, $name, $mail, $bandwidth, $clientIp, $passwordHash, $state, $accelerate, $generation, $created)
            """);
        AddUserFields(command, user);
        var p = command.Parameters;
        p.AddWithValue("$generation", sessionGeneration);
        p.AddWithValue("$created", ToUnixMilliseconds(user.CreatedAt));
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
            return UserWriteResult.Done;
        }
        catch (SqliteException e) when (e.SqliteExtendedErrorCode == ConstraintUnique)
        {
            return UserWriteResult.ClientIpTaken;
        }
    }

    /// <summary>Binds every stored field of a user but its generation and creation time.</summary>
    private static void AddUserFields(SqliteCommand command, ClientUser user)
    {
        var p = command.Parameters;
        p.AddWithValue("$id", user.SmartAGId);
        p.AddWithValue("$name", user.UserName);
        p.AddWithValue("$mail", user.UserMail);
        p.AddWithValue("$bandwidth", user.Bandwidth);
        p.AddWithValue("$clientIp", user.ClientIp);
        p.AddWithValue("$passwordHash", user.PasswordHash);
        p.AddWithValue("$state", (int)user.State);
        p.AddWithValue("$accelerate", user.AccelerateBandwidth);
    }

    private static void AddUserFilter(SqliteCommand command, UserFilter filter)
    {
        command.Parameters.AddWithValue("$id", filter.SmartAGId);
        command.Parameters.AddWithValue("$name", (object?)filter.UserName ?? DBNull.Value);
        command.Parameters.AddWithValue("$mail", (object?)filter.UserMail ?? DBNull.Value);
    }
}
