using System.Net;

namespace OpenSag.Bench;

/// <summary>
/// One way from the lab's client namespace to its private one in the <c>layer3</c> scenario, both ends running: where
/// iperf3 connects (a tunnel's own target address in the private namespace, the routed address, or a local forward),
/// whether ping can reach it (not through a TCP forward), and the processes of each end whose CPU counts.
/// </summary>
internal sealed class Layer3Path(string name, IPEndPoint iperf, IReadOnlyList<LabProcess> client, int[] gatewayPids, Func<ValueTask> stopGateway)
    : IAsyncDisposable
{
    public string Name { get; } = name;

    public IPEndPoint Iperf { get; } = iperf;

    /// <summary>Whether ICMP reaches <see cref="Iperf"/>'s address along this path (a TCP forward carries no ping).</summary>
    public bool Pings { get; } = !IPAddress.IsLoopback(iperf.Address);

    public int[] ClientPids { get; } = [.. client.Select(p => p.Pid)];

    /// <summary>The gateway side's processes; their children count too (ocserv's workers).</summary>
    public int[] GatewayPids { get; } = gatewayPids;

    /// <summary>Whether this path has processes of its own (the routed path has none: the kernel forwards).</summary>
    public bool Tunnelled => GatewayPids.Length > 0;

    /// <summary>What the client side said last, if it has ended (a tunnel that fell over mid-run), else null.</summary>
    public string? Ended() => client.FirstOrDefault(p => p.HasExited)?.Tail();

    /// <summary>The client side's last lines, for an error message.</summary>
    public string Tail() => string.Join("; ", client.Select(p => p.Tail()));

    /// <summary>Stops the client side first (OpenSAG and openconnect log out), then the gateway side.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var p in client)
        {
            await p.DisposeAsync();
        }

        await stopGateway();
    }
}
