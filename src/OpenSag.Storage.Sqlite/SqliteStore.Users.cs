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
            var result = await CheckRoomAsync(transaction, user.SmartAGId, user.UserName, userLimit, ct);
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

    public Task<ClientUser?> UpdateUserAsync(ClientUser user, bool bumpGeneration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        return WriteAsync(async (transaction, ct) =>
        {
            // session_generation is only ever incremented in place: the caller's copy may predate a kick, and writing
            // it back would let the credentials that kick revoked resume.
            var command = transaction.Command($"""
                UPDATE client_users
                SET user_mail = $mail, bandwidth = $bandwidth, client_ip = $clientIp, password_hash = $passwordHash,
                    state = $state, accelerate_bandwidth = $accelerate, session_generation = session_generation + $bump
                WHERE smart_ag_id = $id AND user_name = $name
                RETURNING {UserColumns}
                """);
            AddUserFields(command, user);
            command.Parameters.AddWithValue("$bump", bumpGeneration ? 1 : 0);
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

    public Task<UserWriteResult> TryMoveUserAsync(string originSmartAgId, ClientUser moved, int targetUserLimit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(moved);
        return WriteAsync(async (transaction, ct) =>
        {
            // The stored generation, not the caller's copy, is what gets carried over: see UpdateUserAsync.
            var origin = transaction.Command("SELECT session_generation FROM client_users WHERE smart_ag_id = $id AND user_name = $name");
            origin.Parameters.AddWithValue("$id", originSmartAgId);
            origin.Parameters.AddWithValue("$name", moved.UserName);
            if (await origin.ExecuteScalarAsync(ct) is not long generation)
            {
                return UserWriteResult.NotFound;
            }

            // Checked before the delete, so a "move" onto the origin itself finds its own name taken.
            var result = await CheckRoomAsync(transaction, moved.SmartAGId, moved.UserName, targetUserLimit, ct);
            if (result != UserWriteResult.Done)
            {
                return result;
            }

            var delete = transaction.Command("DELETE FROM client_users WHERE smart_ag_id = $id AND user_name = $name");
            delete.Parameters.AddWithValue("$id", originSmartAgId);
            delete.Parameters.AddWithValue("$name", moved.UserName);
            await delete.ExecuteNonQueryAsync(ct);

            // Anything but Done is not kept: the delete is rolled back with it.
            return await InsertUserAsync(transaction, moved, generation + 1, ct);
        }, cancellationToken, keep: result => result == UserWriteResult.Done);
    }

    /// <summary>Whether the instance exists, has the name free and holds fewer than <paramref name="userLimit"/> users.</summary>
    private static async Task<UserWriteResult> CheckRoomAsync(DatabaseTransaction transaction, string smartAgId, string userName, int userLimit, CancellationToken cancellationToken)
    {
        var command = transaction.Command("""
            SELECT (SELECT count(*) FROM instances WHERE smart_ag_id = $id),
                   (SELECT count(*) FROM client_users WHERE smart_ag_id = $id AND user_name = $name),
                   (SELECT count(*) FROM client_users WHERE smart_ag_id = $id)
            """);
        command.Parameters.AddWithValue("$id", smartAgId);
        command.Parameters.AddWithValue("$name", userName);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (instances: reader.GetInt64(0), sameName: reader.GetInt64(1), users: reader.GetInt64(2)) switch
        {
            { instances: 0 } => UserWriteResult.NotFound,
            { sameName: > 0 } => UserWriteResult.NameTaken,
            var counts when counts.users >= userLimit => UserWriteResult.OverLimit,
            _ => UserWriteResult.Done,
        };
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
