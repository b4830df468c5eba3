using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using OpenSag.Api.Actions;
using OpenSag.Api.Protocol;
using OpenSag.Services;
using OpenSag.Sessions;

namespace OpenSag.Api;

public static class ApiServiceCollectionExtensions
{
    /// <summary>
    /// Registers the domain services and the RPC protocol. The caller registers the <c>IOpenSagStore</c>, and may
    /// register the cluster seams first (online list, revocation announcer, nonce ledger); the defaults are the
    /// single-node ones, and this node's <see cref="LocalNode"/> (default: the machine's name).
    /// </summary>
    public static IServiceCollection AddSmartagApi(this IServiceCollection services)
    {
        services.AddSingleton(TimeProvider.System);
        services.TryAddSingleton(new LocalNode(Environment.MachineName));
        services.AddSingleton(sp => new SessionRegistry(sp.GetServices<ISessionObserver>()) { Node = sp.GetRequiredService<LocalNode>().Id });
        services.TryAddSingleton<IOnlineSessionReader>(sp => sp.GetRequiredService<SessionRegistry>());
        services.TryAddSingleton<ISessionRevocationAnnouncer, SingleNodeAnnouncer>();
        services.AddSingleton<SessionRevoker>();
        services.TryAddSingleton(new InstanceRules());
        services.AddSingleton<InstanceService>();
        services.AddSingleton<ClientUserService>();
        services.AddSingleton<SessionService>();
        services.TryAddSingleton<ChangeFeed>();
        services.TryAddSingleton<Storage.IAclStore>(sp => sp.GetRequiredService<Storage.IOpenSagStore>());
        services.TryAddSingleton<Storage.IInstanceStore>(sp => sp.GetRequiredService<Storage.IOpenSagStore>());
        services.AddSingleton<AclService>();
        services.AddSingleton<Storage.IEnterpriseCodeStore>(sp => sp.GetRequiredService<Storage.IOpenSagStore>());
        services.AddSingleton<EnterpriseCodeService>();
        services.AddSingleton<Storage.IClientTokenStore>(sp => sp.GetRequiredService<Storage.IOpenSagStore>());
        services.AddSingleton<IdempotentCalls>();
        services.AddSingleton(SmartagActions.CreateTable);
        services.TryAddSingleton<ISignatureNonceLedger>(sp => new NonceLedger(sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<Authenticator>();
        services.AddSingleton<Storage.IAccessKeyStore>(sp => new CachedAccessKeys(sp.GetRequiredService<Storage.IOpenSagStore>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<Storage.IAuditStore>(sp => sp.GetRequiredService<Storage.IOpenSagStore>());
        services.AddSingleton<AuditLog>();
        services.AddSingleton<ActionInvoker>();
        services.AddSingleton<RpcEndpoint>();

        // OpenSAG's own actions: their own table, invoker (the console's way to DisconnectSession) and endpoint, keyed by
        // their path so that the Smartag ones stay the unkeyed defaults. They need the host's ServerStatus.
        services.AddKeyedSingleton(OpenSagActions.Path, (sp, _) =>
        {
            var table = OpenSagActions.CreateTable(sp);
            return new ActionInvoker(table, sp.GetRequiredService<AuditLog>());
        });
        services.AddKeyedSingleton(OpenSagActions.Path, (sp, key) =>
        {
            var invoker = sp.GetRequiredKeyedService<ActionInvoker>(key);
            return new RpcEndpoint(invoker.Actions, invoker, sp.GetRequiredService<Authenticator>(), sp.GetRequiredService<IdempotentCalls>(),
                sp.GetRequiredService<ILogger<RpcEndpoint>>(), OpenSagActions.Version);
        });
        return services;
    }

    /// <summary>
    /// Maps the Smartag RPC endpoint on <c>/</c> and OpenSAG's own on <see cref="OpenSagActions.Path"/>, for every method
    /// (so others get UnsupportedHTTPMethod in the API's format).
    /// </summary>
    public static IEndpointRouteBuilder MapSmartagApi(this IEndpointRouteBuilder endpoints)
    {
        var endpoint = endpoints.ServiceProvider.GetRequiredService<RpcEndpoint>();
        endpoints.Map("/", endpoint.HandleAsync);
        var extensions = endpoints.ServiceProvider.GetRequiredKeyedService<RpcEndpoint>(OpenSagActions.Path);
        endpoints.Map(OpenSagActions.Path, extensions.HandleAsync);
        return endpoints;
    }
}
