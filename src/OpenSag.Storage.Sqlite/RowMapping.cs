using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Data.Sqlite;
using OpenSag.Domain;
using OpenSag.Security;

namespace OpenSag.Storage.Sqlite;

/// <summary>
/// Column lists and the conversions between rows and domain records. Each <c>Read…</c> method reads the columns of
/// its list by position, so a SELECT must name exactly that list.
/// </summary>
/// <remarks>
/// A <see cref="DateTimeOffset"/> is stored as INTEGER Unix milliseconds: integers order and compare exactly, and a
/// value written is read back equal (as UTC) as long as it has no sub-millisecond part, which the services truncate
/// before writing. Lists of strings are stored as JSON arrays in TEXT columns.
/// </remarks>
internal static partial class RowMapping
{
    public const string AccessKeyColumns = "access_key_id, access_key_secret, enabled, created_at_ms";

    public const string InstanceColumns =
        "smart_ag_id, region_id, order_id, name, description, cidr_block, user_count, data_plan, period, charge_type, "
        + "auto_pay, security_lock_threshold, created_at_ms, ends_at_ms, app_dns, recovered_dns, enterprise_code";

    public const string UserColumns =
        "smart_ag_id, user_name, user_mail, bandwidth, client_ip, password_hash, state, accelerate_bandwidth, "
        + "session_generation, created_at_ms";

    public const string FlowColumns = "smart_ag_id, user_name, month, bytes_in, bytes_out";

    public static long ToUnixMilliseconds(DateTimeOffset value) => value.ToUnixTimeMilliseconds();

    public static DateTimeOffset FromUnixMilliseconds(long value) => DateTimeOffset.FromUnixTimeMilliseconds(value);

    public static string ToJson(IEnumerable<string> values) =>
        JsonSerializer.Serialize(values as string[] ?? [.. values], StringArrayJson.Default.StringArray);

    public static string[] FromJson(string json) =>
        JsonSerializer.Deserialize(json, StringArrayJson.Default.StringArray) ?? [];

    /// <summary>The key with its secret opened (the column holds it sealed, see <see cref="AccessKeySecretCipher"/>).</summary>
    public static AccessKey ReadAccessKey(SqliteDataReader row, AccessKeySecretCipher secrets) => new(
        AccessKeyId: row.GetString(0),
        AccessKeySecret: secrets.Open(row.GetString(0), row.GetString(1)),
        Enabled: row.GetBoolean(2),
        CreatedAt: FromUnixMilliseconds(row.GetInt64(3)));

    public static Instance ReadInstance(SqliteDataReader row) => new()
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
        CreatedAt = FromUnixMilliseconds(row.GetInt64(12)),
        EndsAt = FromUnixMilliseconds(row.GetInt64(13)),
        AppDns = FromJson(row.GetString(14)),
        RecoveredDns = FromJson(row.GetString(15)),
        EnterpriseCode = row.GetString(16),
    };

    public static ClientUser ReadUser(SqliteDataReader row) => new()
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
        CreatedAt = FromUnixMilliseconds(row.GetInt64(9)),
    };

    public static FlowTotal ReadFlow(SqliteDataReader row) => new(
        SmartAGId: row.GetString(0),
        UserName: row.GetString(1),
        Month: row.GetString(2),
        BytesIn: row.GetInt64(3),
        BytesOut: row.GetInt64(4));

    /// <summary>Source-generated, so storing a list needs no reflection (and stays trim-safe).</summary>
    [JsonSerializable(typeof(string[]))]
    private sealed partial class StringArrayJson : JsonSerializerContext;
}
