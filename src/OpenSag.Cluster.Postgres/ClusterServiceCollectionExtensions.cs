using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenSag.Sessions;

namespace OpenSag.Cluster.Postgres;

public static class ClusterServiceCollectionExtensions
{
    /// <summary>
    /// Makes this node one of a cluster on the PostgreSQL database of <paramref name="options"/>: the online list,
    /// revocation announcements, change notices (<see cref="ChangeFeed"/>), nonce ledger and address leases become
    /// cluster-wide. Register before the API and the gateway, whose single-node defaults then stand aside.
    /// </summary>
    public static IServiceCollection AddPostgresCluster(this IServiceCollection services, ClusterOptions options)
    {
        services.AddSingleton(options);
        services.AddSingleton<ClusterDatabase>();
        services.AddSingleton<DeferredWrites>();
        services.AddSingleton<ClusterSessionTable>();
        services.AddSingleton<ISessionObserver>(sp => sp.GetRequiredService<ClusterSessionTable>());
        services.AddSingleton<IOnlineSessionReader>(sp => sp.GetRequiredService<ClusterSessionTable>());
        services.AddSingleton<ISessionRevocationAnnouncer, RevocationAnnouncer>();
        services.AddSingleton<ISignatureNonceLedger, ClusterNonceLedger>();
        services.AddSingleton<IClientIpLeases, ClusterClientIpLeases>();
        services.AddSingleton<StaleSessionSweep>();
        // One feed per process, whichever of cluster, API or gateway registers it; the cluster adds the way out
        // (broadcast) and the way in (receiver).
        services.TryAddSingleton<ChangeFeed>();
        services.AddSingleton<IChangeBroadcast, ClusterChangeBroadcast>();
        services.AddSingleton<ChangeReceiver>();
        services.AddHostedService<ClusterHeartbeat>();
        services.AddHostedService(sp => sp.GetRequiredService<DeferredWrites>());
        services.AddHostedService(sp => sp.GetRequiredService<ChangeReceiver>());
        services.AddHostedService<ClusterListener>();
        return services;
    }
}
