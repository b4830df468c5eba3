using Microsoft.Extensions.DependencyInjection;
using OpenSag.Gateway.Packets;
using OpenSag.Gateway.Tun;
using OpenSag.Storage;

namespace OpenSag.Cli.Serve;

/// <summary>
/// <c>serve --tun</c>'s start: the checks that end it with one line (blocks that overlap, no IP forwarding, no TUN, the
/// UDP port taken; <see cref="PacketPath.Open"/>), then the routes, all before the server says it is listening.
/// </summary>
internal static class Layer3Start
{
    /// <summary>The opened path, or null without <c>--tun</c>.</summary>
    /// <exception cref="Layer3StartException">Something the operator must fix; the message says what.</exception>
    public static async Task<PacketPath?> OpenAsync(Layer3Options? options, IOpenSagStore store, CancellationToken cancellationToken)
    {
        if (options is null)
        {
            return null;
        }

        if (!OperatingSystem.IsLinux())
        {
            throw new Layer3StartException("--tun needs Linux (its TUN driver).");
        }

        // Every block is routed to one interface and a ClientIp must name one session: an overlap made before layer 3
        // was on (the API refuses new ones with SAG.CidrOverlap then) must be undone first.
        if (RouteKeeper.FindOverlap(await store.ListCidrBlocksAsync(cancellationToken)) is var (first, second))
        {
            throw new Layer3StartException($"--tun {options.TunName}: the CidrBlocks of instances {first.SmartAGId} ({first.CidrBlock}) and {second.SmartAGId} ({second.CidrBlock}) overlap; "
                + "give one of them another block (ModifySmartAccessGateway) before turning layer 3 on.");
        }

        return PacketPath.Open(options);
    }

    /// <summary>Routes every instance's block to the TUN before the server says it listens.</summary>
    public static async Task RouteAsync(IServiceProvider services, Layer3Options? options, CancellationToken cancellationToken)
    {
        if (options is null || !OperatingSystem.IsLinux())
        {
            return;
        }

        try
        {
            await services.GetRequiredService<RouteKeeper>().ReconcileAsync(cancellationToken);
        }
        catch (LinkConfigException e)
        {
            throw new Layer3StartException($"--tun {options.TunName}: cannot route the instances' CidrBlocks to it: {e.Message}");
        }
    }

    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public static string Describe(PacketPath packets, Layer3Options options) =>
        $"OpenSAG layer 3 on TUN {packets.TunName}, data channel udp {packets.UdpEndpoint}, client routes {string.Join(',', options.ClientRoutes)}";
}
