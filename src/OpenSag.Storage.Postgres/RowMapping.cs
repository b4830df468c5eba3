using Npgsql;
using OpenSag.Domain;
using OpenSag.Security;

namespace OpenSag.Storage.Postgres;

/// <summary>
/// Column lists and the conversions between rows and domain records. Each <c>Read…</c> method reads the columns of
/// its list by position, so a SELECT must name exactly that list.
/// </summary>
/// <remarks>
/// Instants are <c>timestamptz</c>, readable by an operator with psql. PostgreSQL keeps microseconds, but the store
/// contract is whole milliseconds (as on SQLite), so <see cref="ToTimestamp"/> truncates before writing; it also
/// converts to UTC, the only offset Npgsql writes to a <c>timestamptz</c>. Lists of strings are <c>text[]</c>.
/// </remarks>
internal static partial class RowMapping
{
    public const string AccessKeyColumns = "access_key_id, access_key_secret, enabled, created_at";

    public const string InstanceColumns =
        "smart_ag_id, region_id, order_id, name, description, cidr_block, user_count, data_plan, period, charge_type, "
        + "auto_pay, security_lock_threshold, created_at, ends_at, app_dns, recovered_dns, enterprise_code";

    public const string UserColumns =
        "smart_ag_id, user_name, user_mail, bandwidth, client_ip, password_hash, state, accelerate_bandwidth, "
        + "session_generation, created_at";

    public const string FlowColumns = "smart_ag_id, user_name, month, bytes_in, bytes_out";

    public static DateTimeOffset ToTimestamp(DateTimeOffset value) => DateTimeOffset.FromUnixTimeMilliseconds(value.ToUnixTimeMilliseconds());

    public static string[] ToArray(IEnumerable<string> values) => values as string[] ?? [.. values];

    /// <summary>The key with its secret opened (the column holds it sealed, see <see cref="AccessKeySecretCipher"/>).</summary>
    public static AccessKey ReadAccessKey(NpgsqlDataReader row, AccessKeySecretCipher secrets) => new(
        AccessKeyId: row.GetString(0),
        AccessKeySecret: secrets.Open(row.GetString(0), row.GetString(1)),
        Enabled: row.GetBoolean(2),
        CreatedAt: ReadTimestamp(row, 3));

    public static Instance ReadInstance(NpgsqlDataReader row) => new()
    {
        SmartAGId = row.GetString(0),
        RegionId = row.GetString(1),
        OrderId = row.GetString(2),
        Name = row.GetString(3),
        Description = row.GetString(4),
        CidrBlock = row.GetString(5),
        UserCount = row.GetInt32(6),
        DataPlan = row.GetInt64(7),
        Period = row.GetInt32(8),
        ChargeType = row.GetString(9),
        AutoPay = row.GetBoolean(10),
        SecurityLockThreshold = row.GetInt32(11),
        CreatedAt = ReadTimestamp(row, 12),
        EndsAt = ReadTimestamp(row, 13),
        AppDns = row.GetFieldValue<string[]>(14),
        RecoveredDns = row.GetFieldValue<string[]>(15),
        EnterpriseCode = row.GetString(16),
    };

    public static ClientUser ReadUser(NpgsqlDataReader row) => new()
    {
        SmartAGId = row.GetString(0),
        UserName = row.GetString(1),
        UserMail = row.GetString(2),
        Bandwidth = row.GetInt32(3),
        ClientIp = row.GetString(4),
        PasswordHash = row.GetString(5),
        State = (UserState)row.GetInt32(6),
        AccelerateBandwidth = row.GetInt64(7),
        SessionGeneration = row.GetInt64(8),
        CreatedAt = ReadTimestamp(row, 9),
    };

    public static FlowTotal ReadFlow(NpgsqlDataReader row) => new(
        SmartAGId: row.GetString(0),
        UserName: row.GetString(1),
        Month: row.GetString(2),
        BytesIn: row.GetInt64(3),
        BytesOut: row.GetInt64(4));

    /// <summary>Npgsql reads a <c>timestamptz</c> as a UTC <see cref="DateTimeOffset"/>, as SQLite's store returns it.</summary>
    private static DateTimeOffset ReadTimestamp(NpgsqlDataReader row, int ordinal) => row.GetFieldValue<DateTimeOffset>(ordinal);
}
