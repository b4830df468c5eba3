using System.Net;
using OpenSag.Domain;
using OpenSag.Sessions;
using OpenSag.Storage;

namespace OpenSag.Cluster.Postgres;

/// <summary>
/// The ClientIps held by the cluster's sessions, in <c>client_ip_leases</c>, whose primary key (smart_ag_id, client_ip)
/// makes a double hold across nodes impossible: a node picks the lowest address of its slice free in its read, and if
/// another node inserted it in the meantime the insert does nothing and the node reads again. A static ClientIp's row
/// names its user (<c>static_user</c>), so the user's other sessions, on any node, share it without a row of their own;
/// each row is deleted only by the session that inserted it. See <see cref="IClientIpLeases"/> for the rule.
/// </summary>
public sealed class ClusterClientIpLeases(ClusterDatabase database, DeferredWrites deferred, IClientUserStore users, ClientIpSlice slice) : IClientIpLeases
{
    /// <summary>Each lost race means another node got an address (or an admin stored it as static); this many in a row is contention, not bad luck.</summary>
    private const int MaxAttempts = 16;

    public ClientIpSlice Slice => slice;

    public async Task<IPAddress?> LeaseAsync(Instance instance, string sessionId, IPAddress? preferred, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instance);
        if (!ClientAddressSpace.TryParse(instance.CidrBlock, out var space))
        {
            return null;
        }

        var reserved = await StaticClientAddresses.ReadAsync(users, instance.SmartAGId, cancellationToken);
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var leased = (await database.QueryAsync(
                "SELECT client_ip FROM client_ip_leases WHERE smart_ag_id = $1",
                p => p.AddWithValue(instance.SmartAGId),
                r => (uint)r.GetInt64(0),
                cancellationToken)).ToHashSet();
            if (slice.FirstFree(space, a => leased.Contains(a) || reserved.Contains(a), preferred) is not { } address)
            {
                return null;
            }

            var inserted = await database.ExecuteAsync(
                "INSERT INTO client_ip_leases (smart_ag_id, client_ip, node_id, session_id) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                p =>
                {
                    p.AddWithValue(instance.SmartAGId);
                    p.AddWithValue((long)address);
                    p.AddWithValue(database.NodeId);
                    p.AddWithValue(sessionId);
                },
                cancellationToken);
            if (inserted != 1)
            {
                continue;
            }

            // A user created (or moved in) with this static ClientIp after the read above must win: its write checked
            // IsHeldAsync before this row existed. Reading again now that the row is committed closes that race.
            try
            {
                reserved = await StaticClientAddresses.ReadAsync(users, instance.SmartAGId, cancellationToken);
            }
            catch
            {
                Release(instance.SmartAGId, Ipv4.FromUInt32(address), sessionId);
                throw;
            }

            if (!reserved.Contains(address))
            {
                return Ipv4.FromUInt32(address);
            }

            await DeleteAsync(database, instance.SmartAGId, (long)address, sessionId, cancellationToken);
        }

        throw new TimeoutException($"No client address lease after {MaxAttempts} attempts: other nodes took each one first.");
    }

    public async Task<bool> TryHoldStaticAsync(Instance instance, string userName, IPAddress address, string sessionId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instance);
        var value = (long)Ipv4.ToUInt32(address);
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var inserted = await database.ExecuteAsync(
                "INSERT INTO client_ip_leases (smart_ag_id, client_ip, node_id, session_id, static_user) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                p =>
                {
                    p.AddWithValue(instance.SmartAGId);
                    p.AddWithValue(value);
                    p.AddWithValue(database.NodeId);
                    p.AddWithValue(sessionId);
                    p.AddWithValue(userName);
                },
                cancellationToken);
            if (inserted == 1)
            {
                return true;
            }

            // Another statement, so a fresh snapshot: it sees the row the insert collided with, unless that was deleted
            // since (then try again).
            var holders = await database.QueryAsync(
                "SELECT static_user FROM client_ip_leases WHERE smart_ag_id = $1 AND client_ip = $2",
                p =>
                {
                    p.AddWithValue(instance.SmartAGId);
                    p.AddWithValue(value);
                },
                r => r.IsDBNull(0) ? null : r.GetString(0),
                cancellationToken);
            if (holders.Count == 1)
            {
                return holders[0] == userName;
            }
        }

        throw new TimeoutException($"No hold on the static ClientIp after {MaxAttempts} attempts: its row came and went each time.");
    }

    public async Task<bool> IsHeldAsync(string smartAgId, IPAddress address, CancellationToken cancellationToken) =>
        (await database.QueryAsync(
            "SELECT 1 FROM client_ip_leases WHERE smart_ag_id = $1 AND client_ip = $2",
            p =>
            {
                p.AddWithValue(smartAgId);
                p.AddWithValue((long)Ipv4.ToUInt32(address));
            },
            r => r.GetInt32(0),
            cancellationToken)).Count > 0;

    public void Release(string smartAgId, IPAddress address, string sessionId)
    {
        var value = (long)Ipv4.ToUInt32(address);
        deferred.Enqueue((db, ct) => DeleteAsync(db, smartAgId, value, sessionId, ct));
    }

    /// <summary>Only the session's own row: a static ClientIp's other sessions hold it without one, and must not take another's.</summary>
    private static Task<int> DeleteAsync(ClusterDatabase database, string smartAgId, long address, string sessionId, CancellationToken cancellationToken) =>
        database.ExecuteAsync(
            "DELETE FROM client_ip_leases WHERE smart_ag_id = $1 AND client_ip = $2 AND session_id = $3",
            p =>
            {
                p.AddWithValue(smartAgId);
                p.AddWithValue(address);
                p.AddWithValue(sessionId);
            },
            cancellationToken);
}
