using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using System.Text.Json;
using OpenSag.Domain;
using OpenSag.Gateway.DataChannel;
using OpenSag.Gateway.Tun;
using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.Tun;

/// <summary>
/// The TUN device and link configuration of the layer-3 data channel (issue 11), for real, inside a network namespace
/// of the test's own (<see cref="NamespaceThread"/> runs the code in it), with addresses from 198.18.0.0/15.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class TunDeviceTests
{
    private const string Name = "osagtest0";
    private static readonly IPAddress Local = IPAddress.Parse("198.18.9.1");
    private static readonly IPAddress Remote = IPAddress.Parse("198.18.10.7");
    private static readonly IPNetwork RoutedNetwork = IPNetwork.Parse("198.18.10.0/24");
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [NetworkNamespaceFact]
    public async Task TunDevice_RoutedDatagram_ReadFromTheDeviceAndItsReplyWrittenBack()
    {
        await using var network = await NetworkNamespace.CreateAsync("tun");
        var (tun, socket) = await RoutedTunAsync(network);
        using var device = tun;
        using var udp = socket;
        var localPort = (ushort)((IPEndPoint)udp.LocalEndPoint!).Port;

        var link = await IpJsonAsync(network, "link", "show", "dev", Name);
        Assert.Equal(TransportMessage.Mtu, link[0].GetProperty("mtu").GetInt32());
        Assert.Contains("UP", link[0].GetProperty("flags").EnumerateArray().Select(flag => flag.GetString()));
        // Not the kernel's 500, whose overflow under a 1-stream upload was every retransmission.
        Assert.Equal(LinkConfig.TransmitQueueLength, link[0].GetProperty("txqlen").GetInt32());
        // No IPv6 link-local address, so the kernel sends no router or listener solicitations into the tunnel.
        var ipv6 = await IpJsonAsync(network, "-6", "addr", "show", "dev", Name);
        Assert.All(ipv6.EnumerateArray(), entry => Assert.Empty(entry.GetProperty("addr_info").EnumerateArray()));

        await udp.SendToAsync("ping"u8.ToArray(), new IPEndPoint(Remote, 5353)).WaitAsync(Bound);
        var packet = new byte[TransportMessage.Mtu];
        var length = await ReadUdpToAsync(device, packet, Remote);
        Assert.True(Ipv4Header.TryRead(packet.AsSpan(0, length), out var source, out _));
        Assert.Equal(Ipv4.ToUInt32(Local), source);
        Assert.True(Ipv4Header.TryReadPorts(packet.AsSpan(0, length), out _, out var sourcePort, out var destinationPort));
        Assert.Equal(localPort, sourcePort);
        Assert.Equal(5353, destinationPort);
        Assert.Equal("ping"u8.ToArray(), packet[(length - 4)..length]);

        Assert.True(device.TryWrite(UdpPacket(Remote, 5353, Local, localPort, "pong"u8)));
        var reply = new byte[16];
        using var cancel = new CancellationTokenSource(Bound);
        var received = await udp.ReceiveFromAsync(reply, new IPEndPoint(IPAddress.Any, 0), cancel.Token);
        Assert.Equal("pong", System.Text.Encoding.ASCII.GetString(reply, 0, received.ReceivedBytes));
        Assert.Equal(new IPEndPoint(Remote, 5353), received.RemoteEndPoint);

        // Not an IP packet at all: the kernel refuses it, which is a drop, not an error.
        Assert.False(device.TryWrite([0x10, 0, 0, 0]));
        Assert.False(device.TryWrite([]));
    }

    [NetworkNamespaceFact]
    public async Task TunDevice_PacketLongerThanTheBuffer_CutToTheBufferAndTheNextOneWhole()
    {
        await using var network = await NetworkNamespace.CreateAsync("tun");
        var (tun, socket) = await RoutedTunAsync(network);
        using var device = tun;
        using var udp = socket;

        await udp.SendToAsync(new byte[200], new IPEndPoint(Remote, 5353)).WaitAsync(Bound);
        await udp.SendToAsync(new byte[10], new IPEndPoint(Remote, 5353)).WaitAsync(Bound);
        var small = new byte[100];
        // The kernel copies what fits and reports the whole length; Read reports what it copied.
        Assert.Equal(small.Length, await ReadUdpToAsync(device, small, Remote));
        Assert.False(Ipv4Header.TryRead(small, out _, out _));
        var whole = new byte[TransportMessage.Mtu];
        Assert.Equal(20 + 8 + 10, await ReadUdpToAsync(device, whole, Remote));
    }

    [NetworkNamespaceFact]
    public async Task TryRead_EmptyThenRoutedDatagram_FalseThenThePacketWithoutWaiting()
    {
        await using var network = await NetworkNamespace.CreateAsync("tun");
        var (tun, socket) = await RoutedTunAsync(network);
        using var udp = socket;
        var packet = new byte[TransportMessage.Mtu];
        using (var device = tun)
        {
            Assert.False(device.TryRead(packet, out var none));
            Assert.Equal(0, none);

            // The kernel hands the datagram to the TUN within the sending call (or its qdisc's softirq just after).
            udp.SendTo("ping"u8, new IPEndPoint(Remote, 5353));
            var started = Stopwatch.GetTimestamp();
            int length;
            while (!device.TryRead(packet, out length) && Stopwatch.GetElapsedTime(started) < Bound)
            {
                Thread.Yield();
            }

            Assert.Equal(20 + 8 + 4, length);
            Assert.False(device.TryRead(packet, out _));
        }

        Assert.False(tun.TryRead(packet, out var disposed));
        Assert.Equal(0, disposed);
    }

    [NetworkNamespaceFact]
    public async Task TunDevice_Disposed_BlockedReaderWakesAndTheInterfaceIsGone()
    {
        await using var network = await NetworkNamespace.CreateAsync("tun");
        var device = await NamespaceThread.RunAsync(network, () =>
        {
            var created = TunDevice.Create(Name);
            LinkConfig.SetUp(Name, TransportMessage.Mtu);
            LinkConfig.ReplaceRoute(RoutedNetwork, Name);
            return created;
        });
        Assert.Equal(Name, device.Name);
        Assert.Contains(RoutedNetwork, await NamespaceThread.RunAsync(network, () => LinkConfig.RoutesVia(Name)));

        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reader = Task.Factory.StartNew(
            () =>
            {
                started.SetResult();
                return device.Read(new byte[TransportMessage.Mtu]);
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
        await started.Task.WaitAsync(Bound);
        Assert.False(reader.IsCompleted);

        device.Dispose();
        Assert.Equal(0, await reader.WaitAsync(TimeSpan.FromSeconds(2)));
        Assert.Equal(0, device.Read(new byte[16]));
        Assert.False(device.TryWrite([0x45]));
        device.Dispose();

        // Not persistent: closing the descriptor deleted the interface and, with it, its route.
        var gone = await Assert.ThrowsAsync<LinkConfigException>(() => NamespaceThread.RunAsync(network, () => LinkConfig.RoutesVia(Name)));
        Assert.Contains(Name, gone.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', gone.Message);
    }

    [NetworkNamespaceFact]
    public async Task LinkConfig_AddressReplacedAndRoutesChanged_AsAsked()
    {
        await using var network = await NetworkNamespace.CreateAsync("tun");
        var other = IPNetwork.Parse("198.18.11.0/24");
        var (routes, addresses, afterDelete) = await NamespaceThread.RunAsync(network, () =>
        {
            using var device = TunDevice.Create(Name);
            LinkConfig.SetUp(Name, TransportMessage.Mtu);
            LinkConfig.AddAddress(Name, Local, 24);
            LinkConfig.ReplaceRoute(RoutedNetwork, Name);
            LinkConfig.ReplaceRoute(RoutedNetwork, Name); // replace: a second time is no error
            LinkConfig.ReplaceRoute(other, Name);
            // A resumed session with a new ClientIp: the old address goes, the routes without a source stay.
            LinkConfig.ReplaceAddress(Name, IPAddress.Parse("198.18.9.2"), 24);
            var routesNow = LinkConfig.RoutesVia(Name);
            var addressesNow = ToolOutput("ip", "-j", "-4", "addr", "show", "dev", Name);
            LinkConfig.DeleteRoute(other, Name);
            LinkConfig.DeleteRoute(other, Name); // already gone: fine
            LinkConfig.DeleteRoute(other, "osagnosuch0"); // no such interface: fine
            return (routesNow, addressesNow, LinkConfig.RoutesVia(Name));
        });

        Assert.Equal(
            ["198.18.10.0/24", "198.18.11.0/24", "198.18.9.0/24"],
            routes.Select(route => route.ToString()).Order(StringComparer.Ordinal));
        using var json = JsonDocument.Parse(addresses);
        Assert.Equal(
            ["198.18.9.2"],
            json.RootElement[0].GetProperty("addr_info").EnumerateArray().Select(info => info.GetProperty("local").GetString()));
        Assert.DoesNotContain(other, afterDelete);
        Assert.Contains(RoutedNetwork, afterDelete);
    }

    [NetworkNamespaceFact]
    public async Task LinkConfig_NoSuchInterface_OneLineWithIpsError()
    {
        await using var network = await NetworkNamespace.CreateAsync("tun");
        var failure = await Assert.ThrowsAsync<LinkConfigException>(() => NamespaceThread.RunAsync(network, () =>
        {
            LinkConfig.ReplaceRoute(RoutedNetwork, "osagnosuch0");
            return 0;
        }));
        Assert.StartsWith("ip route replace 198.18.10.0/24 dev osagnosuch0 failed: ", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', failure.Message);
    }

    [NetworkNamespaceFact]
    public async Task TunDevice_WithoutCapNetAdmin_OneLineNamingTheCapability()
    {
        await using var network = await NetworkNamespace.CreateAsync("tun");
        var failure = await Assert.ThrowsAsync<TunUnavailableException>(() =>
            NamespaceThread.RunAsync(network, dropNetAdmin: true, () => TunDevice.Create(Name)));
        Assert.Equal($"cannot create the TUN interface {Name}: permission denied; it needs CAP_NET_ADMIN (run as root or grant the capability)", failure.Message);
    }

    [NetworkNamespaceFact]
    public async Task TunDevice_NameTakenByAnotherDevice_RefusedAsNotOurs()
    {
        await using var network = await NetworkNamespace.CreateAsync("tun");
        await network.AddAddressAsync("198.18.12.1/24"); // a veth pair, v1a and v1b
        await network.IpAsync("tuntap", "add", "dev", "osagkept0", "mode", "tun");

        var veth = await Assert.ThrowsAsync<TunUnavailableException>(() => NamespaceThread.RunAsync(network, () => TunDevice.Create("v1a")));
        Assert.Equal("cannot create the TUN interface v1a: the name is in use by a device that is not a TUN interface (ip link show v1a); choose another name", veth.Message);

        var persistent = await Assert.ThrowsAsync<TunUnavailableException>(() => NamespaceThread.RunAsync(network, () => TunDevice.Create("osagkept0")));
        Assert.Contains("persistent TUN interface that is not ours", persistent.Message, StringComparison.Ordinal);
        // Refusing it left it alone.
        await network.IpAsync("link", "show", "dev", "osagkept0");

        using var held = await NamespaceThread.RunAsync(network, () => TunDevice.Create(Name));
        var busy = await Assert.ThrowsAsync<TunUnavailableException>(() => NamespaceThread.RunAsync(network, () => TunDevice.Create(Name)));
        Assert.Equal($"cannot create the TUN interface {Name}: the name is in use by another program's TUN interface (another opensag running?); choose another name", busy.Message);
    }

    [NetworkNamespaceFact]
    public async Task IpForwarding_NamespaceSysctl_ReadFromTheCallersNamespace()
    {
        await using var network = await NetworkNamespace.CreateAsync("tun");
        // A new namespace starts with forwarding off; the test (not the product) turns it on in its own namespace.
        Assert.False(await NamespaceThread.RunAsync(network, IpForwarding.IsEnabled));
        var turnedOn = await network.RunAsync(new Dictionary<string, string?>(), "sysctl", "-w", "net.ipv4.ip_forward=1");
        Assert.True(turnedOn.ExitCode == 0, turnedOn.ToString());
        Assert.True(await NamespaceThread.RunAsync(network, IpForwarding.IsEnabled));
    }

    /// <summary>A TUN up in <paramref name="network"/> with <see cref="Local"/>/24 and <see cref="RoutedNetwork"/> routed into it, and a UDP socket bound to <see cref="Local"/>.</summary>
    private static Task<(TunDevice Device, Socket Udp)> RoutedTunAsync(NetworkNamespace network) =>
        NamespaceThread.RunAsync(network, () =>
        {
            var device = TunDevice.Create(Name);
            LinkConfig.SetUp(Name, TransportMessage.Mtu);
            LinkConfig.AddAddress(Name, Local, 24);
            LinkConfig.ReplaceRoute(RoutedNetwork, Name);
            var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            udp.Bind(new IPEndPoint(Local, 0));
            return (device, udp);
        });

    private static async Task<int> ReadUdpToAsync(TunDevice device, byte[] packet, IPAddress destination)
    {
        var wanted = Ipv4.ToUInt32(destination);
        return await Task.Factory.StartNew(
            () =>
            {
                // Bounded: whatever else the kernel sends first (nothing, with IPv6 off on the link) is skipped.
                for (var i = 0; i < 16; i++)
                {
                    var length = device.Read(packet);
                    // Bytes 16..19 are the destination even when the packet was cut short.
                    if (length >= Ipv4Header.MinLength && BinaryPrimitives.ReadUInt32BigEndian(packet.AsSpan(16)) == wanted)
                    {
                        return length;
                    }
                }

                throw new InvalidOperationException("no packet to " + destination);
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default).WaitAsync(Bound);
    }

    private static async Task<JsonElement> IpJsonAsync(NetworkNamespace network, params string[] arguments)
    {
        var result = await network.RunAsync(new Dictionary<string, string?>(), "ip", ["-j", .. arguments]);
        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.Stdout);
        return json.RootElement.Clone();
    }

    private static string ToolOutput(string program, params string[] arguments)
    {
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(program, arguments) { RedirectStandardOutput = true })!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return output;
    }

    /// <summary>An IPv4/UDP packet with a correct header checksum (the kernel checks it) and no UDP checksum (0: none, allowed over IPv4).</summary>
    internal static byte[] UdpPacket(IPAddress source, ushort sourcePort, IPAddress destination, ushort destinationPort, ReadOnlySpan<byte> payload)
    {
        var packet = new byte[20 + 8 + payload.Length];
        packet[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)packet.Length);
        packet[8] = 64;
        packet[9] = Ipv4Header.Udp;
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(12), Ipv4.ToUInt32(source));
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(16), Ipv4.ToUInt32(destination));
        uint sum = 0;
        for (var i = 0; i < 20; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(i));
        }

        sum = (sum & 0xFFFF) + (sum >> 16);
        sum += sum >> 16;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(10), (ushort)~sum);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(20), sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(22), destinationPort);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(24), (ushort)(8 + payload.Length));
        payload.CopyTo(packet.AsSpan(28));
        return packet;
    }
}
