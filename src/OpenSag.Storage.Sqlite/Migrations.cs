using System.Data.Common;
using Microsoft.Data.Sqlite;
using OpenSag.Storage.Ado;

namespace OpenSag.Storage.Sqlite;

/// <summary>
/// The SQLite schema as an ordered list of steps, applied by <see cref="SchemaMigrator"/> under <c>BEGIN
/// IMMEDIATE</c>: a second process starting at the same time waits for this one and then finds the steps applied.
/// A step is never edited once released: a change is a new step with the next version (a new table: a step here and
/// the same step in PostgreSQL's Migrations, with the same version), so every database reaches the same schema
/// whatever version it starts from.
/// </summary>
internal sealed class Migrations(IReadOnlyList<MigrationStep> steps) : SchemaMigrator(steps)
{
    // STRICT tables make SQLite refuse a value of the wrong type instead of silently storing it.
    // Instants are INTEGER Unix milliseconds (see SqliteDialect): exact round trips and ordering by plain integers.
    internal static readonly MigrationStep[] History =
    [
        new(1, "access keys, instances, client users, flow totals", """
            CREATE TABLE access_keys (
                access_key_id     TEXT    NOT NULL PRIMARY KEY,
                access_key_secret TEXT    NOT NULL,
                enabled           INTEGER NOT NULL,
                created_at_ms     INTEGER NOT NULL
            ) STRICT;

            CREATE TABLE instances (
                smart_ag_id             TEXT    NOT NULL PRIMARY KEY,
                region_id               TEXT    NOT NULL,
                order_id                TEXT    NOT NULL,
                name                    TEXT    NOT NULL,
                description             TEXT    NOT NULL,
                cidr_block              TEXT    NOT NULL,
                user_count              INTEGER NOT NULL,
                data_plan               INTEGER NOT NULL,
                period                  INTEGER NOT NULL,
                charge_type             TEXT    NOT NULL,
                auto_pay                INTEGER NOT NULL,
                security_lock_threshold INTEGER NOT NULL,
                created_at_ms           INTEGER NOT NULL,
                ends_at_ms              INTEGER NOT NULL,
                app_dns                 TEXT    NOT NULL, -- JSON array of strings
                recovered_dns           TEXT    NOT NULL  -- JSON array of strings
            ) STRICT;

            -- Serves the region listing in its order (creation time, then id) without a sort.
            CREATE INDEX instances_by_region ON instances (region_id, created_at_ms, smart_ag_id);

            CREATE TABLE client_users (
                smart_ag_id          TEXT    NOT NULL REFERENCES instances (smart_ag_id),
                user_name            TEXT    NOT NULL,
                user_mail            TEXT    NOT NULL,
                bandwidth            INTEGER NOT NULL,
                client_ip            TEXT    NOT NULL, -- '' when allocated per connection
                password_hash        TEXT    NOT NULL,
                state                INTEGER NOT NULL,
                accelerate_bandwidth INTEGER NOT NULL,
                session_generation   INTEGER NOT NULL,
                created_at_ms        INTEGER NOT NULL,
                PRIMARY KEY (smart_ag_id, user_name)
            ) STRICT;

            -- Only static addresses are unique: any number of users may have none.
            CREATE UNIQUE INDEX client_users_static_ip ON client_users (smart_ag_id, client_ip) WHERE client_ip <> '';
            CREATE INDEX client_users_by_creation ON client_users (smart_ag_id, created_at_ms, user_name);

            -- No foreign key to client_users: statistics outlive a deleted or moved account, and the flow meter
            -- flushes after the fact, when the user may already be gone.
            CREATE TABLE flow_totals (
                smart_ag_id TEXT    NOT NULL,
                user_name   TEXT    NOT NULL,
                month       TEXT    NOT NULL, -- yyyyMM
                bytes_in    INTEGER NOT NULL,
                bytes_out   INTEGER NOT NULL,
                PRIMARY KEY (smart_ag_id, user_name, month)
            ) STRICT, WITHOUT ROWID;
            """),
        new(2, "ACLs, their rules, the ACL of each instance", """
            CREATE TABLE acls (
                acl_id            TEXT    NOT NULL PRIMARY KEY,
                region_id         TEXT    NOT NULL,
                name              TEXT    NOT NULL,
                acl_type          TEXT    NOT NULL,
                resource_group_id TEXT    NOT NULL,
                created_at_ms     INTEGER NOT NULL
            ) STRICT;

            -- Serves the region listing in its order (creation time, then id) without a sort.
            CREATE INDEX acls_by_region ON acls (region_id, created_at_ms, acl_id);

            -- Every text field exactly as AddACLRule/ModifyACLRule sent it (Domain/AclRule.cs).
            CREATE TABLE acl_rules (
                acl_id            TEXT    NOT NULL REFERENCES acls (acl_id) ON DELETE CASCADE,
                acr_id            TEXT    NOT NULL,
                name              TEXT    NOT NULL,
                description       TEXT    NOT NULL,
                direction         TEXT    NOT NULL,
                policy            TEXT    NOT NULL,
                ip_protocol       TEXT    NOT NULL,
                source_cidr       TEXT    NOT NULL,
                source_port_range TEXT    NOT NULL,
                dest_cidr         TEXT    NOT NULL,
                dest_port_range   TEXT    NOT NULL,
                priority          INTEGER NOT NULL,
                type              TEXT    NOT NULL,
                created_at_ms     INTEGER NOT NULL,
                dpi_group_ids     TEXT    NOT NULL, -- JSON array of strings
                dpi_signature_ids TEXT    NOT NULL, -- JSON array of strings
                PRIMARY KEY (acl_id, acr_id)
            ) STRICT;

            -- The association lives with the instance, so "at most one ACL per instance" is the schema's, not a check's.
            -- NULL when none; SQLite allows a REFERENCES column to be added only with a NULL default.
            ALTER TABLE instances ADD COLUMN acl_id TEXT REFERENCES acls (acl_id) ON DELETE SET NULL;
            CREATE INDEX instances_by_acl ON instances (acl_id) WHERE acl_id IS NOT NULL;
            """),
        new(3, "enterprise codes, instances' enterprise code, ClientToken calls", """
            -- code is the primary key: unique across every region, compared byte for byte (BINARY), so ab123 and AB123
            -- are two codes.
            CREATE TABLE enterprise_codes (
                code          TEXT    NOT NULL PRIMARY KEY,
                region_id     TEXT    NOT NULL,
                is_default    INTEGER NOT NULL,
                created_at_ms INTEGER NOT NULL
            ) STRICT;

            -- Serves ListEnterpriseCode in its order (code) within a region.
            CREATE INDEX enterprise_codes_by_region ON enterprise_codes (region_id, code);

            -- At most one default per region, whatever a bug in the store might try.
            CREATE UNIQUE INDEX enterprise_codes_one_default ON enterprise_codes (region_id) WHERE is_default;

            ALTER TABLE instances ADD COLUMN enterprise_code TEXT NOT NULL DEFAULT '';

            -- Serves "is this code in use" for DeleteEnterpriseCode.
            CREATE INDEX instances_by_enterprise_code ON instances (enterprise_code) WHERE enterprise_code <> '';

            -- One row per (caller, action, token): claimed with its parameters' fingerprint before the call runs,
            -- answered (request_id and both renderings set) when it succeeded, deleted when it failed or expired.
            CREATE TABLE client_tokens (
                access_key_id TEXT    NOT NULL,
                action        TEXT    NOT NULL,
                client_token  TEXT    NOT NULL,
                fingerprint   TEXT    NOT NULL,
                claimed_at_ms INTEGER NOT NULL,
                request_id    TEXT,
                answer_json   BLOB,
                answer_xml    BLOB,
                PRIMARY KEY (access_key_id, action, client_token)
            ) STRICT;

            -- Serves the expiry of calls older than the retention.
            CREATE INDEX client_tokens_by_claim ON client_tokens (claimed_at_ms);
            """),
        new(4, "audit log", """
            -- One row per change made through the API or the console (DESIGN.md §7). AUTOINCREMENT: ids only grow,
            -- even after the newest rows were pruned, so "newest first" is "highest id first".
            CREATE TABLE audit_log (
                id             INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
                recorded_at_ms INTEGER NOT NULL,
                access_key_id  TEXT    NOT NULL,
                source_address TEXT    NOT NULL,
                channel        TEXT    NOT NULL,
                action         TEXT    NOT NULL,
                region_id      TEXT    NOT NULL,
                smart_ag_id    TEXT    NOT NULL,
                target         TEXT    NOT NULL,
                outcome        TEXT    NOT NULL,
                detail         TEXT    NOT NULL
            ) STRICT;

            -- Serve the pruning of old entries and the time filter.
            CREATE INDEX audit_log_by_time ON audit_log (recorded_at_ms);

            -- Serves the per-instance listing (the console's instance pages), newest first.
            CREATE INDEX audit_log_by_instance ON audit_log (smart_ag_id, id);
            """),
    ];

    public static Migrations Instance { get; } = new(History);

    protected override string HistoryTable => "schema_version";

    protected override string CreateHistorySql => """
        CREATE TABLE IF NOT EXISTS schema_version (
            version       INTEGER NOT NULL PRIMARY KEY,
            description   TEXT    NOT NULL,
            applied_at_ms INTEGER NOT NULL
        ) STRICT;
        """;

    protected override string RecordSql =>
        "INSERT INTO schema_version (version, description, applied_at_ms) VALUES (@version, @description, @applied)";

    protected override object AppliedAt(DateTimeOffset now) => now.ToUnixTimeMilliseconds();

    protected override Task<DbTransaction> BeginExclusiveAsync(DbConnection connection, CancellationToken cancellationToken) =>
        Task.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(deferred: false));

    protected override Exception NewerThanThisBuild(string message) => new SqliteException(message, errorCode: 1);
}
