using OpenSag.Storage.Ado;

namespace OpenSag.Storage.Postgres;

/// <summary>
/// The PostgreSQL schema as an ordered list of steps. A step is never edited once released: a change is a new step
/// with the next version (a new table: a step here and the same step in SQLite's Migrations, with the same version),
/// so every database reaches the same schema whatever version it starts from.
/// </summary>
/// <remarks>
/// Tables are created unqualified, so they land in the first schema of the connection's search_path (Npgsql's
/// <c>Search Path</c> setting); the tests use that to give each test a schema of its own.
/// </remarks>
internal static class Migrations
{
    /// <summary>
    /// Key of the transaction-level advisory lock that serializes migrations. Advisory locks are per database, so
    /// this only makes nodes sharing one database wait for each other. The value is "OpenSAG" in ASCII.
    /// </summary>
    internal const long MigrationLockKey = 0x4F70656E534147;

    // Keys and names that listings order by are COLLATE "C": byte order, the same on every server whatever its
    // locale, and the order the SQLite store gives (so an API answer never depends on the engine).
    internal static readonly MigrationStep[] Steps =
    [
        new(1, "access keys, instances, client users, flow totals", """
            CREATE TABLE access_keys (
                access_key_id     text        NOT NULL PRIMARY KEY,
                access_key_secret text        NOT NULL,
                enabled           boolean     NOT NULL,
                created_at        timestamptz NOT NULL
            );

            CREATE TABLE instances (
                smart_ag_id             text COLLATE "C" NOT NULL PRIMARY KEY,
                region_id               text        NOT NULL,
                order_id                text        NOT NULL,
                name                    text        NOT NULL,
                description             text        NOT NULL,
                cidr_block              text        NOT NULL,
                user_count              integer     NOT NULL,
                data_plan               bigint      NOT NULL,
                period                  integer     NOT NULL,
                charge_type             text        NOT NULL,
                auto_pay                boolean     NOT NULL,
                security_lock_threshold integer     NOT NULL,
                created_at              timestamptz NOT NULL,
                ends_at                 timestamptz NOT NULL,
                app_dns                 text[]      NOT NULL,
                recovered_dns           text[]      NOT NULL
            );

            -- Serves the region listing in its order (creation time, then id) without a sort.
            CREATE INDEX instances_by_region ON instances (region_id, created_at, smart_ag_id);

            CREATE TABLE client_users (
                smart_ag_id          text COLLATE "C" NOT NULL REFERENCES instances (smart_ag_id),
                user_name            text COLLATE "C" NOT NULL,
                user_mail            text        NOT NULL,
                bandwidth            integer     NOT NULL,
                client_ip            text        NOT NULL, -- '' when allocated per connection
                password_hash        text        NOT NULL,
                state                integer     NOT NULL,
                accelerate_bandwidth bigint      NOT NULL,
                session_generation   bigint      NOT NULL,
                created_at           timestamptz NOT NULL,
                PRIMARY KEY (smart_ag_id, user_name)
            );

            -- Only static addresses are unique: any number of users may have none. The store tells this
            -- constraint's violation apart by its name (PostgresStore.Users).
            CREATE UNIQUE INDEX client_users_static_ip ON client_users (smart_ag_id, client_ip) WHERE client_ip <> '';
            CREATE INDEX client_users_by_creation ON client_users (smart_ag_id, created_at, user_name);

            -- No foreign key to client_users: statistics outlive a deleted or moved account, and the flow meter
            -- flushes after the fact, when the user may already be gone.
            CREATE TABLE flow_totals (
                smart_ag_id text COLLATE "C" NOT NULL,
                user_name   text COLLATE "C" NOT NULL,
                month       text   NOT NULL, -- yyyyMM
                bytes_in    bigint NOT NULL,
                bytes_out   bigint NOT NULL,
                PRIMARY KEY (smart_ag_id, user_name, month)
            );
            """),
        new(2, "ACLs, their rules, the ACL of each instance", """
            CREATE TABLE acls (
                acl_id            text COLLATE "C" NOT NULL PRIMARY KEY,
                region_id         text        NOT NULL,
                name              text        NOT NULL,
                acl_type          text        NOT NULL,
                resource_group_id text        NOT NULL,
                created_at        timestamptz NOT NULL
            );

            -- Serves the region listing in its order (creation time, then id) without a sort.
            CREATE INDEX acls_by_region ON acls (region_id, created_at, acl_id);

            -- Every text field exactly as AddACLRule/ModifyACLRule sent it (Domain/AclRule.cs).
            CREATE TABLE acl_rules (
                acl_id            text COLLATE "C" NOT NULL REFERENCES acls (acl_id) ON DELETE CASCADE,
                acr_id            text COLLATE "C" NOT NULL,
                name              text        NOT NULL,
                description       text        NOT NULL,
                direction         text        NOT NULL,
                policy            text        NOT NULL,
                ip_protocol       text        NOT NULL,
                source_cidr       text        NOT NULL,
                source_port_range text        NOT NULL,
                dest_cidr         text        NOT NULL,
                dest_port_range   text        NOT NULL,
                priority          integer     NOT NULL,
                type              text        NOT NULL,
                created_at        timestamptz NOT NULL,
                dpi_group_ids     text[]      NOT NULL,
                dpi_signature_ids text[]      NOT NULL,
                PRIMARY KEY (acl_id, acr_id)
            );

            -- The association lives with the instance, so "at most one ACL per instance" is the schema's, not a check's.
            ALTER TABLE instances ADD COLUMN acl_id text COLLATE "C" REFERENCES acls (acl_id) ON DELETE SET NULL;
            CREATE INDEX instances_by_acl ON instances (acl_id) WHERE acl_id IS NOT NULL;
            """),
        new(3, "enterprise codes, instances' enterprise code, ClientToken calls", """
            -- code is the primary key: unique across every region, compared byte for byte (COLLATE "C"), so ab123 and
            -- AB123 are two codes, and listed in the byte order the SQLite store gives.
            CREATE TABLE enterprise_codes (
                code       text COLLATE "C" NOT NULL PRIMARY KEY,
                region_id  text        NOT NULL,
                is_default boolean     NOT NULL,
                created_at timestamptz NOT NULL
            );

            -- Serves ListEnterpriseCode in its order (code) within a region.
            CREATE INDEX enterprise_codes_by_region ON enterprise_codes (region_id, code);

            -- At most one default per region, whatever a bug in the store might try.
            CREATE UNIQUE INDEX enterprise_codes_one_default ON enterprise_codes (region_id) WHERE is_default;

            ALTER TABLE instances ADD COLUMN enterprise_code text COLLATE "C" NOT NULL DEFAULT '';

            -- Serves "is this code in use" for DeleteEnterpriseCode.
            CREATE INDEX instances_by_enterprise_code ON instances (enterprise_code) WHERE enterprise_code <> '';

            -- One row per (caller, action, token): claimed with its parameters' fingerprint before the call runs,
            -- answered (request_id and both renderings set) when it succeeded, deleted when it failed or expired.
            CREATE TABLE client_tokens (
                access_key_id text COLLATE "C" NOT NULL,
                action        text COLLATE "C" NOT NULL,
                client_token  text COLLATE "C" NOT NULL,
                fingerprint   text        NOT NULL,
                claimed_at    timestamptz NOT NULL,
                request_id    text,
                answer_json   bytea,
                answer_xml    bytea,
                PRIMARY KEY (access_key_id, action, client_token)
            );

            -- Serves the expiry of calls older than the retention.
            CREATE INDEX client_tokens_by_claim ON client_tokens (claimed_at);
            """),
        new(4, "audit log", """
            -- One row per change made through the API or the console (DESIGN.md §7). An identity column: ids only
            -- grow (gaps where a transaction rolled back), so "newest first" is "highest id first".
            CREATE TABLE audit_log (
                id             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                recorded_at    timestamptz NOT NULL,
                access_key_id  text        NOT NULL,
                source_address text        NOT NULL,
                channel        text        NOT NULL,
                action         text        NOT NULL,
                region_id      text        NOT NULL,
                smart_ag_id    text        NOT NULL,
                target         text        NOT NULL,
                outcome        text        NOT NULL,
                detail         text        NOT NULL
            );

            -- Serve the pruning of old entries and the time filter.
            CREATE INDEX audit_log_by_time ON audit_log (recorded_at);

            -- Serves the per-instance listing (the console's instance pages), newest first.
            CREATE INDEX audit_log_by_instance ON audit_log (smart_ag_id, id);
            """),
    ];

    public static PostgresSchemaMigrator Migrator { get; } = new(Steps, "schema_version", MigrationLockKey, recordsDescription: true);
}
