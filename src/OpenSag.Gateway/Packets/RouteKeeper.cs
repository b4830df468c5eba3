using System.Net;
using System.Runtime.Versioning;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenSag.Domain;
using OpenSag.Gateway.Tun;
using OpenSag.Storage;

namespace OpenSag.Gateway.Packets;

/// <summary>Routes a block to the TUN before a session of it goes online.</summary>
public interface IBlockRoutes
{
    /// <summary>Makes sure <paramref name="block"/> is routed to the TUN (at once, when it was not yet).</summary>
    /// <exception cref="LinkConfigException">ip refused.</exception>
    void EnsureRouted(IPNetwork block);
}

/// <summary>
/// Keeps <c>ip route replace CIDR dev TUN</c> true for every instance's CidrBlock, so replies from the private network
/// to a ClientIp reach the TUN and so the session: at start (<see cref="ReconcileAsync"/> before the gateway listens),
/// then every <see cref="Layer3Options.RouteReconcileInterval"/>, which also catches a block that another node of a
/// cluster changed (the store is the one truth). A route to the TUN whose block is gone is deleted. The TUN carries
/// only these routes: it is ours, and its routes go with it when the process ends.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class RouteKeeper(IInstanceStore store, Layer3Options options, TimeProvider time, ILogger<RouteKeeper> logger) : BackgroundService, IBlockRoutes
{
    private readonly Lock _gate = new();

    /// <summary>The blocks routed to the TUN as last seen or made: what <see cref="EnsureRouted"/> answers from.</summary>
    private HashSet<IPNetwork> _routed = [];

    /// <inheritdoc/>
    public void EnsureRouted(IPNetwork block)
    {
        lock (_gate)
        {
            if (_routed.Contains(block))
            {
                return;
            }

            LinkConfig.ReplaceRoute(block, options.TunName);
            _routed.Add(block);
        }

        logger.LogInformation("Route {Network} dev {Tun} added for a session of a block not routed yet", block, options.TunName);
    }

    /// <summary>
    /// The first pair of instances whose blocks overlap, or null: with layer 3 every block is routed to one interface
    /// and a ClientIp must name one session, so blocks must be disjoint (SAG.CidrOverlap). CIDR blocks overlap exactly
    /// when one contains the other; sorted by base address, that shows between neighbours that extend furthest.
    /// </summary>
    public static (InstanceCidrBlock First, InstanceCidrBlock Second)? FindOverlap(IReadOnlyList<InstanceCidrBlock> blocks)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        var parsed = blocks
            .Select(b => (Block: b, Ok: ClientAddressSpace.TryParse(b.CidrBlock, out var space), Space: space))
            .Where(b => b.Ok)
            .Select(b => (b.Block, First: Ipv4.ToUInt32(b.Space.Network.BaseAddress), Last: Ipv4.ToUInt32(b.Space.Network.BaseAddress) | (uint.MaxValue >> b.Space.Network.PrefixLength)))
            .OrderBy(b => b.First)
            .ToList();
        for (int i = 1, widest = 0; i < parsed.Count; i++)
        {
            if (parsed[i].First <= parsed[widest].Last)
            {
                return (parsed[widest].Block, parsed[i].Block);
            }

            if (parsed[i].Last > parsed[widest].Last)
            {
                widest = i;
            }
        }

        return null;
    }

    /// <summary>Routes every stored block to the TUN and removes routes to it for blocks that are gone.</summary>
    /// <exception cref="LinkConfigException">ip refused a change (its message).</exception>
    public async Task ReconcileAsync(CancellationToken cancellationToken)
    {
        var wanted = new HashSet<IPNetwork>();
        foreach (var block in await store.ListCidrBlocksAsync(cancellationToken))
        {
            if (ClientAddressSpace.TryParse(block.CidrBlock, out var space))
            {
                wanted.Add(space.Network);
            }
        }

        // Under the lock: an admission's EnsureRouted between reading the store and the end would be undone otherwise.
        lock (_gate)
        {
            var present = LinkConfig.RoutesVia(options.TunName).ToHashSet();
            foreach (var network in wanted.Where(n => !present.Contains(n)))
            {
                LinkConfig.ReplaceRoute(network, options.TunName);
                logger.LogInformation("Route {Network} dev {Tun} added", network, options.TunName);
            }

            foreach (var network in present.Where(n => !wanted.Contains(n) && !_routed.Contains(n)))
            {
                LinkConfig.DeleteRoute(network, options.TunName);
                logger.LogInformation("Route {Network} dev {Tun} removed: no instance has that CidrBlock any more", network, options.TunName);
            }

            _routed = wanted;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.RouteReconcileInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await ReconcileAsync(stoppingToken);
                }
                catch (Exception e) when (e is LinkConfigException or IOException || Errors.StoreUnavailable.IsCause(e))
                {
                    logger.LogWarning("Could not check the routes to {Tun}; trying again in {Seconds} s: {Message}", options.TunName, options.RouteReconcileInterval.TotalSeconds, e.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
