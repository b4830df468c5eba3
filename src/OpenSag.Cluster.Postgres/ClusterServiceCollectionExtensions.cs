using Microsoft.Extensions.DependencyInjection;
using OpenSag.Sessions;

namespace OpenSag.Cluster.Postgres;

public static class ClusterServiceCollectionExtensions
{
    /// <summary>
    /// Makes this node one of a cluster on the PostgreSQL database of <paramref name="options"/>: the online list,
    /// revocation announcements, nonce ledger and address leases become cluster-wide. Register before the API and
    /// the gateway, whose single-node defaults then stand aside.
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
        services.AddHostedService<ClusterHeartbeat>();
        services.AddHostedService(sp => sp.GetRequiredService<DeferredWrites>());
        services.AddHostedService<RevocationListener>();
        return services;
    }
}
