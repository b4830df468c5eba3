using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using OpenSag.Gateway.Protocol;
using OpenSag.Gateway.Security;
using OpenSag.Gateway.Sessions;
using OpenSag.Gateway.Tunnels;
using OpenSag.Sessions;

namespace OpenSag.Gateway;

public static class GatewayServiceCollectionExtensions
{
    /// <summary>Registers the gateway. Needs the store, <see cref="SessionRegistry"/> and <see cref="TimeProvider"/> from the host; a cluster registers its <see cref="IClientIpLeases"/> first.</summary>
    public static IServiceCollection AddGateway(this IServiceCollection services, GatewayOptions options, SessionTokens tokens)
    {
        services.AddSingleton(options);
        services.AddSingleton(tokens);
        services.AddSingleton(new DestinationPolicy(options.TunnelAllow));
        services.AddSingleton<ControlHeartbeat>();
        services.AddSingleton<LoginThrottle>();
        services.AddSingleton(new PasswordCheckGate(options));
        services.AddSingleton<LoginVerifier>();
        services.AddSingleton<LoginStateSweep>();
        services.AddHostedService(sp => sp.GetRequiredService<LoginStateSweep>());
        services.AddSingleton(options.ClientIpSlice);
        services.TryAddSingleton<IClientIpLeases, ClientIpPool>();
        services.AddSingleton<UserBandwidth>();
        services.AddSingleton<FlowMeter>();
        services.AddHostedService(sp => sp.GetRequiredService<FlowMeter>());
        services.AddSingleton<Storage.IClientUserStore>(sp => sp.GetRequiredService<Storage.IOpenSagStore>());
        services.AddSingleton<Storage.IFlowStore>(sp => sp.GetRequiredService<Storage.IOpenSagStore>());
        services.AddSingleton<ControlEndpoint>();
        services.AddSingleton<TunnelEndpoint>();
        return services;
    }

    /// <summary>Maps the control and tunnel WebSockets, and closes every session when the host stops.</summary>
    public static IEndpointRouteBuilder MapGateway(this IEndpointRouteBuilder endpoints)
    {
        var control = endpoints.ServiceProvider.GetRequiredService<ControlEndpoint>();
        var tunnel = endpoints.ServiceProvider.GetRequiredService<TunnelEndpoint>();
        endpoints.Map(GatewayPaths.Control, control.HandleAsync);
        endpoints.Map(GatewayPaths.Tunnel, tunnel.HandleAsync);

        var sessions = endpoints.ServiceProvider.GetRequiredService<SessionRegistry>();
        endpoints.ServiceProvider.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.Register(() =>
            sessions.CloseAllForShutdownAsync().Wait(TimeSpan.FromSeconds(5)));
        return endpoints;
    }
}
