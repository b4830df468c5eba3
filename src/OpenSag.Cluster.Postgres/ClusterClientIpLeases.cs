using System.Net;
using OpenSag.Domain;
using OpenSag.Sessions;
using OpenSag.Storage;

namespace OpenSag.Cluster.Postgres;

/// <summary>
/// Dynamic client addresses leased in <c>client_ip_leases</c>, whose primary key (smart_ag_id, client_ip) makes a
/// double lease across nodes impossible: a node picks the lowest address free in its read, and if another node
/// inserted it in the meantime the insert does nothing and the node reads again.
/// </summary>
public sealed class ClusterClientIpLeases(ClusterDatabase database, DeferredWrites deferred, IClientUserStore users) : IClientIpLeases
{
    /// <summary>Each lost race means another node got an address; this many in a row is contention, not bad luck.</summary>
    private const int MaxAttempts = 16;

    public async Task<IPAddress?> LeaseAsync(Instance instance, string sessionId, CancellationToken cancellationToken)
    {
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
            uint? free = null;
            for (var candidate = space.FirstHost; candidate <= space.LastHost; candidate++)
            {
                if (!leased.Contains(candidate) && !reserved.Contains(candidate))
                {
                    free = candidate;
                    break;
                }
            }

            if (free is not { } address)
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
            if (inserted == 1)
            {
                return Ipv4.FromUInt32(address);
            }
        }

        throw new TimeoutException($"No client address lease after {MaxAttempts} attempts: other nodes took each one first.");
    }

    public void Release(string smartAgId, IPAddress address)
    {
        var value = (long)Ipv4.ToUInt32(address);
        deferred.Enqueue((db, ct) => db.ExecuteAsync(
            "DELETE FROM client_ip_leases WHERE smart_ag_id = $1 AND client_ip = $2 AND node_id = $3",
            p =>
            {
                p.AddWithValue(smartAgId);
                p.AddWithValue(value);
                p.AddWithValue(db.NodeId);
            },
            ct));
    }
}
