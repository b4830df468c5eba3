using Npgsql;
using OpenSag.Storage.Ado;
using OpenSag.Storage.Postgres;

namespace OpenSag.Cluster.Postgres;

/// <summary>
/// The cluster's own tables, migrated like the store's schema (<see cref="PostgresSchemaMigrator"/>) but in a
/// history of their own (<c>cluster_schema_version</c>), so the storage engine and the cluster evolve without
/// renumbering each other. A step is never edited once released; a change is a new step.
/// </summary>
internal static class ClusterSchema
{
    /// <summary>Serializes nodes migrating one database at once; "OSCLUST" in ASCII, distinct from the store's key.</summary>
    private const long MigrationLockKey = 0x4F53434C555354;

    private static readonly MigrationStep[] Steps =
    [
        new(1, "nodes, sessions, address leases, signature nonces", """
        CREATE TABLE cluster_nodes (
            node_id      text        NOT NULL PRIMARY KEY,
            heartbeat_at timestamptz NOT NULL
        );

        -- One row per online connection, written by the node that holds it (DESIGN.md §3 online sessions).
        CREATE TABLE cluster_sessions (
            session_id         text COLLATE "C" NOT NULL PRIMARY KEY,
            node_id            text        NOT NULL,
            smart_ag_id        text COLLATE "C" NOT NULL,
            user_name          text COLLATE "C" NOT NULL,
            client_ip          text        NOT NULL,
            online_since       timestamptz NOT NULL,
            peer_address       text        NOT NULL,
            client_version     text        NOT NULL,
            client_os          text        NOT NULL,
            session_generation bigint      NOT NULL,
            registered_at      timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX cluster_sessions_by_user ON cluster_sessions (smart_ag_id, user_name);
        CREATE INDEX cluster_sessions_by_node ON cluster_sessions (node_id);

        -- The key is what makes a double lease impossible: two nodes racing for one address, one insert wins.
        CREATE TABLE client_ip_leases (
            smart_ag_id text   NOT NULL,
            client_ip   bigint NOT NULL,
            node_id     text   NOT NULL,
            session_id  text   NOT NULL,
            leased_at   timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (smart_ag_id, client_ip)
        );
        CREATE INDEX client_ip_leases_by_node ON client_ip_leases (node_id);

        CREATE TABLE signature_nonces (
            access_key_id text        NOT NULL,
            nonce         text        NOT NULL,
            expires_at    timestamptz NOT NULL,
            PRIMARY KEY (access_key_id, nonce)
        );
        CREATE INDEX signature_nonces_by_expiry ON signature_nonces (expires_at);
        """),
        new(2, "static ClientIps in the address leases", """
        -- Every session holds its address here, a static ClientIp too (issue 11): NULL for a dynamic lease, else the
        -- user whose static address it is, whose other sessions share the row.
        ALTER TABLE client_ip_leases ADD COLUMN static_user text COLLATE "C";
        """),
        new(3, "sessions' bytes", """
        -- Each session's bytes each way since admission, as the node holding it last wrote them (its heartbeat), so the
        -- operators' list on any node shows them (issue 13).
        ALTER TABLE cluster_sessions ADD COLUMN bytes_from_client bigint NOT NULL DEFAULT 0;
        ALTER TABLE cluster_sessions ADD COLUMN bytes_to_client bigint NOT NULL DEFAULT 0;
        """),
    ];

    private static readonly PostgresSchemaMigrator Migrator = new(Steps, "cluster_schema_version", MigrationLockKey, recordsDescription: false);

    public static Task ApplyAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken) =>
        Migrator.ApplyAsync(dataSource, cancellationToken);
}
