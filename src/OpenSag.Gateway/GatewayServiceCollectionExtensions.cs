using System.Runtime.Versioning;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenSag.Gateway.AccessControl;
using OpenSag.Gateway.Packets;
using OpenSag.Gateway.Protocol;
using OpenSag.Gateway.Security;
using OpenSag.Gateway.Sessions;
using OpenSag.Gateway.Tunnels;
using OpenSag.Sessions;

namespace OpenSag.Gateway;

public static class GatewayServiceCollectionExtensions
{
    /// <summary>
    /// Registers the gateway. Needs the store, <see cref="SessionRegistry"/> and <see cref="TimeProvider"/> from the host;
    /// a cluster registers its <see cref="IClientIpLeases"/> first. With <see cref="GatewayOptions.Layer3"/>, give the
    /// <paramref name="packets"/> path opened at start (<see cref="PacketPath.Open"/>); the host then runs and stops it.
    /// </summary>
    public static IServiceCollection AddGateway(this IServiceCollection services, GatewayOptions options, SessionTokens tokens, PacketPath? packets = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if ((options.Layer3 is null) != (packets is null))
        {
            throw new ArgumentException("layer 3 needs both its options and its opened path", nameof(packets));
        }

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
        services.AddSingleton<GatewayGauges>();
        services.AddSingleton<Storage.IClientUserStore>(sp => sp.GetRequiredService<Storage.IOpenSagStore>());
        services.AddSingleton<Storage.IFlowStore>(sp => sp.GetRequiredService<Storage.IOpenSagStore>());
        // ACLs: loaded as an instance's first session is published (an ISessionObserver of the SessionRegistry),
        // reloaded on every ChangeNotice and every 10 s. The API registers the same ChangeFeed when it is in this host.
        services.TryAddSingleton<ChangeFeed>();
        services.TryAddSingleton<Storage.IAclStore>(sp => sp.GetRequiredService<Storage.IOpenSagStore>());
        services.AddSingleton<InstanceAcls>();
        services.AddSingleton<ISessionObserver>(sp => sp.GetRequiredService<InstanceAcls>());
        services.AddHostedService(sp => sp.GetRequiredService<InstanceAcls>());
        services.AddSingleton<ControlEndpoint>();
        services.AddSingleton<TunnelEndpoint>();
        services.AddSingleton<SessionBearer>();
        if (packets is not null)
        {
            if (!OperatingSystem.IsLinux())
            {
                throw new PlatformNotSupportedException("the layer-3 path needs Linux's TUN");
            }

            AddPacketPath(services, options, packets);
        }

        return services;
    }

    /// <summary>Maps the control and tunnel WebSockets, and closes every session when the host stops.</summary>
    public static IEndpointRouteBuilder MapGateway(this IEndpointRouteBuilder endpoints)
    {
        var control = endpoints.ServiceProvider.GetRequiredService<ControlEndpoint>();
        var tunnel = endpoints.ServiceProvider.GetRequiredService<TunnelEndpoint>();
        endpoints.Map(GatewayPaths.Control, control.HandleAsync);
        endpoints.Map(GatewayPaths.Tunnel, tunnel.HandleAsync);
        if (endpoints.ServiceProvider.GetService<PacketsEndpoint>() is { } packets)
        {
            endpoints.Map(GatewayPaths.Packets, packets.HandleAsync);
        }

        var sessions = endpoints.ServiceProvider.GetRequiredService<SessionRegistry>();
        endpoints.ServiceProvider.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.Register(() =>
            sessions.CloseAllForShutdownAsync().Wait(TimeSpan.FromSeconds(5)));
        return endpoints;
    }

    [SupportedOSPlatform("linux")]
    private static void AddPacketPath(IServiceCollection services, GatewayOptions options, PacketPath packets)
    {
        services.AddSingleton(packets);
        services.AddSingleton(options.Layer3!);
        services.AddSingleton(new DataChannelPort(packets.UdpEndpoint.Port));
        services.AddSingleton<PacketRouter>();
        services.AddSingleton(sp =>
        {
            var forwarder = new PacketForwarder(sp.GetRequiredService<PacketRouter>(), sp.GetRequiredService<DestinationPolicy>(), options.Shaping,
                packets, packets, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<PacketForwarder>>());
            packets.Attach(forwarder, sp.GetRequiredService<ILogger<PacketPath>>());
            return forwarder;
        });
        services.AddSingleton<PacketAdmission>();
        services.AddSingleton<PacketsEndpoint>();
        services.AddHostedService(sp =>
        {
            sp.GetRequiredService<PacketForwarder>();
            return packets;
        });
        services.AddSingleton(sp => new RouteKeeper(sp.GetRequiredService<Storage.IOpenSagStore>(), options.Layer3!,
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<RouteKeeper>>()));
        services.AddHostedService(sp => sp.GetRequiredService<RouteKeeper>());
        services.AddSingleton<IBlockRoutes>(sp => sp.GetRequiredService<RouteKeeper>());
    }
}
