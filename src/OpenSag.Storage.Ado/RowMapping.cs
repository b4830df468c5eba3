using System.Data.Common;
using OpenSag.Domain;
using OpenSag.Security;

namespace OpenSag.Storage.Ado;

/// <summary>
/// Column lists and the conversions between rows and domain records, the same on every engine but for how an
/// instant and a list are stored (<see cref="SqlDialect"/>). Each <c>Read…</c> method reads the columns of its list
/// by position, so a SELECT must name exactly that list.
/// </summary>
/// <remarks>
/// A new table gets its column list and its <c>Read…</c> method here, its statements in a
/// <c>RelationalStore.&lt;Table&gt;.cs</c> file, and its DDL as a new migration step of each engine.
/// </remarks>
public sealed partial class RowMapping
{
    private readonly SqlDialect _dialect;

    public RowMapping(SqlDialect dialect)
    {
        ArgumentNullException.ThrowIfNull(dialect);
        _dialect = dialect;
        AccessKeyColumns = $"access_key_id, access_key_secret, enabled, {dialect.Instant("created_at")}";
        InstanceColumns =
            "smart_ag_id, region_id, order_id, name, description, cidr_block, user_count, data_plan, period, charge_type, "
            + $"auto_pay, security_lock_threshold, {dialect.Instant("created_at")}, {dialect.Instant("ends_at")}, app_dns, recovered_dns, acl_id, enterprise_code";
        UserColumns =
            "smart_ag_id, user_name, user_mail, bandwidth, client_ip, password_hash, state, accelerate_bandwidth, "
            + $"session_generation, {dialect.Instant("created_at")}";
        AclColumns = $"acl_id, region_id, name, acl_type, resource_group_id, {dialect.Instant("created_at")}";
        RuleColumns =
            "acl_id, acr_id, name, description, direction, policy, ip_protocol, source_cidr, source_port_range, dest_cidr, "
            + $"dest_port_range, priority, type, {dialect.Instant("created_at")}, dpi_group_ids, dpi_signature_ids";
        EnterpriseCodeColumns = $"code, region_id, is_default, {dialect.Instant("created_at")}";
        ClientTokenCallColumns = $"fingerprint, {dialect.Instant("claimed_at")}, request_id, answer_json, answer_xml";
    }

    public string AccessKeyColumns { get; }

    public string InstanceColumns { get; }

    public string UserColumns { get; }

    public string AclColumns { get; }

    public string RuleColumns { get; }

    public const string FlowColumns = "smart_ag_id, user_name, month, bytes_in, bytes_out";

    /// <summary>The key with its secret opened (the column holds it sealed, see <see cref="AccessKeySecretCipher"/>).</summary>
    public AccessKey ReadAccessKey(DbDataReader row, AccessKeySecretCipher secrets)
    {
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(secrets);
        return new(
            AccessKeyId: row.GetString(0),
            AccessKeySecret: secrets.Open(row.GetString(0), row.GetString(1)),
            Enabled: row.GetBoolean(2),
            CreatedAt: _dialect.ReadInstant(row, 3));
    }

    public Instance ReadInstance(DbDataReader row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return new()
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
            CreatedAt = _dialect.ReadInstant(row, 12),
            EndsAt = _dialect.ReadInstant(row, 13),
            AppDns = _dialect.ReadList(row, 14),
            RecoveredDns = _dialect.ReadList(row, 15),
            AclId = row.IsDBNull(16) ? "" : row.GetString(16),
            EnterpriseCode = row.GetString(17),
        };
    }

    public ClientUser ReadUser(DbDataReader row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return new()
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
            CreatedAt = _dialect.ReadInstant(row, 9),
        };
    }

    public Acl ReadAcl(DbDataReader row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return new()
        {
            AclId = row.GetString(0),
            RegionId = row.GetString(1),
            Name = row.GetString(2),
            AclType = row.GetString(3),
            ResourceGroupId = row.GetString(4),
            CreatedAt = _dialect.ReadInstant(row, 5),
        };
    }

    public AclRule ReadRule(DbDataReader row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return new()
        {
            AclId = row.GetString(0),
            AcrId = row.GetString(1),
            Name = row.GetString(2),
            Description = row.GetString(3),
            Direction = row.GetString(4),
            Policy = row.GetString(5),
            IpProtocol = row.GetString(6),
            SourceCidr = row.GetString(7),
            SourcePortRange = row.GetString(8),
            DestCidr = row.GetString(9),
            DestPortRange = row.GetString(10),
            Priority = row.GetInt32(11),
            Type = row.GetString(12),
            CreatedAt = _dialect.ReadInstant(row, 13),
            DpiGroupIds = _dialect.ReadList(row, 14),
            DpiSignatureIds = _dialect.ReadList(row, 15),
        };
    }

    public static FlowTotal ReadFlow(DbDataReader row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return new(
            SmartAGId: row.GetString(0),
            UserName: row.GetString(1),
            Month: row.GetString(2),
            BytesIn: row.GetInt64(3),
            BytesOut: row.GetInt64(4));
    }
}
