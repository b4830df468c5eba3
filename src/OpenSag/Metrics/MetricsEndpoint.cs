using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OpenSag.Cli.Serve;
using OpenSag.Gateway;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace OpenSag.Cli.Metrics;

/// <summary>
/// <c>GET /metrics</c> in Prometheus' text format, by the OpenTelemetry SDK and its Prometheus exporter, over our
/// <see cref="System.Diagnostics.Metrics"/> meters only (<see cref="MeterPattern"/>: no runtime, Kestrel or process
/// series): on the <c>--metrics-listen</c> listener, which serves nothing else, or else on the console listener.
/// Unauthenticated, as Prometheus scrapes are: the series name no user, key or address, only instance ids (README "Metrics").
/// </summary>
/// <remarks>
/// The exporter derives the Prometheus names (OpenTelemetry's "Prometheus and OpenMetrics Compatibility" rules: '.'
/// as '_', the unit as a suffix, <c>_total</c> on counters), keeps counters as counters and every series for the life
/// of the process, and takes histogram buckets from each instrument's advice
/// (<see cref="System.Diagnostics.Metrics.InstrumentAdvice{T}.HistogramBucketBoundaries"/>).
/// </remarks>
internal static class MetricsEndpoint
{
    public const string Path = "/metrics";

    /// <summary>The meters exported: ours (<c>OpenSag.Api</c>, <c>OpenSag.Gateway</c>, <c>OpenSag.Store</c>, <c>OpenSag.Cluster</c>).</summary>
    public const string MeterPattern = "OpenSag.*";

    /// <summary>
    /// Registers the SDK's meter provider with the Prometheus exporter; it listens from its creation (<see cref="Start"/>).
    /// The scrape's <c>target_info</c> names the service <c>opensag</c>, its <paramref name="version"/> and, as
    /// <c>service_instance_id</c>, the <paramref name="nodeId"/> (stable across restarts, unlike the SDK's random default).
    /// </summary>
    public static IServiceCollection AddMetricsExport(this IServiceCollection services, string version, string nodeId)
    {
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("opensag", serviceVersion: version, autoGenerateServiceInstanceId: false, serviceInstanceId: nodeId))
            .WithMetrics(metrics => metrics
                .AddMeter(MeterPattern)
                // Each scrape reads the instruments afresh: the default 300 ms cache would answer a scrape right after
                // a change with the page from before it, and a scrape costs microseconds per series here.
                .AddPrometheusExporter(exporter => exporter.ScrapeResponseCacheDurationMilliseconds = 0));
        return services;
    }

    /// <summary>
    /// Serves <see cref="Path"/> on the metrics listener, or on the console's when <paramref name="ownListener"/> is
    /// false. Map it before the console's own branch, which would otherwise take the request. On the metrics listener
    /// any other path ends in the branch's empty 404.
    /// </summary>
    public static void MapMetricsExport(this WebApplication app, bool ownListener) =>
        app.MapWhen(
            http => ownListener ? http.CameThrough(Listener.Metrics) : http.CameThrough(Listener.Console) && http.Request.Path == Path,
            metrics => metrics.UseOpenTelemetryPrometheusScrapingEndpoint());

    /// <summary>Creates the meter provider and the gateway's observable instruments once the host is built.</summary>
    public static void Start(IServiceProvider services)
    {
        services.GetRequiredService<MeterProvider>();
        services.GetRequiredService<GatewayGauges>();
    }
}
