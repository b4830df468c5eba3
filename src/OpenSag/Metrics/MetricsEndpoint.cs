using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OpenSag.Cli.Serve;
using OpenSag.Gateway;
using Prometheus;

namespace OpenSag.Cli.Metrics;

/// <summary>
/// <c>GET /metrics</c> in Prometheus' text format (prometheus-net's exporter over <see cref="MeterBridge"/>'s registry):
/// on the <c>--metrics-listen</c> listener, which serves nothing else, or else on the console listener. Unauthenticated,
/// as Prometheus scrapes are: the series name no user, key or address, only instance ids (README "Metrics").
/// </summary>
internal static class MetricsEndpoint
{
    public const string Path = "/metrics";

    /// <summary>Registers the bridge; it listens to the meters from its creation (<see cref="Start"/>).</summary>
    public static IServiceCollection AddMetricsExport(this IServiceCollection services) => services.AddSingleton(_ => new MeterBridge());

    /// <summary>
    /// Serves <see cref="Path"/> on the metrics listener, or on the console's when <paramref name="ownListener"/> is
    /// false. Map it before the console's own branch, which would otherwise take the request.
    /// </summary>
    public static void MapMetricsExport(this WebApplication app, bool ownListener)
    {
        var registry = app.Services.GetRequiredService<MeterBridge>().Registry;
        app.MapWhen(
            http => ownListener ? http.CameThrough(Listener.Metrics) : http.CameThrough(Listener.Console) && http.Request.Path == Path,
            metrics =>
            {
                metrics.UseRouting();
                metrics.UseEndpoints(endpoints => endpoints.MapMetrics(Path, registry));
            });
    }

    /// <summary>Creates the bridge and the gateway's observable instruments once the host is built.</summary>
    public static void Start(IServiceProvider services)
    {
        services.GetRequiredService<MeterBridge>();
        services.GetRequiredService<GatewayGauges>();
    }
}
