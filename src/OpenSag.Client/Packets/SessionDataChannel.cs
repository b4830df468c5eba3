using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using OpenSag.Gateway.Protocol;

namespace OpenSag.Client.Packets;

/// <summary>
/// How one session carries the interface's packets (<c>connect --transport</c>): over UDP to the offer's port on the
/// host the client dialled, over the TLS connection (<see cref="ClientSession.OpenPacketsAsync"/>), or UDP first and
/// TLS when no datagram from the gateway opens within <see cref="UdpAnswerTimeout"/> (auto). Starting returns once
/// the channel carries packets both ways (or, for udp, once the wait for an answer is over), because the caller then
/// says "online:", which a user or a script reads as "the VPN works now". Each session gets its
/// own channel with the session's fresh keys; disposing it detaches it from the interface first, so from then on
/// the interface's packets are dropped until the next session attaches its own.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SessionDataChannel : IAsyncDisposable
{
    /// <summary>
    /// 3 s: the first keepalive goes out at once and the gateway answers it, so on a working path the answer takes one
    /// round trip; 3 s allows for a lost first keepalive on a slow path (the TCP SYN retransmission time, RFC 6298)
    /// while a user whose UDP is blocked waits only that long for packets to flow.
    /// </summary>
    public static readonly TimeSpan UdpAnswerTimeout = TimeSpan.FromSeconds(3);

    private readonly ClientInterface _tun;
    private UdpDataChannel? _udp;
    private TlsDataChannel? _tls;

    private SessionDataChannel(ClientInterface tun) => _tun = tun;

    /// <summary>
    /// Starts the session's data channel and attaches it to the interface. With <see cref="PacketTransport.Tls"/> the
    /// WebSocket is open when this returns (the gateway reads its first packet only once it has attached it to the
    /// session, so the answer to anything sent finds its way back); with UDP the first keepalive is sent and the
    /// gateway's answer awaited for at most <see cref="UdpAnswerTimeout"/>: without one, auto switches to TLS and udp
    /// warns, each one line to <paramref name="report"/>, before this returns.
    /// </summary>
    /// <param name="gateway">The HOST:PORT the client dialled: UDP goes to that host.</param>
    /// <exception cref="ArgumentException">The offer's cipher or keys are unusable.</exception>
    /// <exception cref="TunnelRefusedException">The gateway refused the TLS fallback.</exception>
    /// <exception cref="SocketException">The host did not resolve, or no UDP socket.</exception>
    /// <exception cref="WebSocketException">The TLS fallback could not be opened (a network failure).</exception>
    public static async Task<SessionDataChannel> StartAsync(ClientInterface tun, ClientSession session, PacketTransport transport, string gateway,
        Action<string> report, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tun);
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(report);
        var offer = session.Online.DataChannel ?? throw new ArgumentException("the session has no data channel", nameof(session));
        var channel = new SessionDataChannel(tun);
        try
        {
            if (transport == PacketTransport.Tls || offer.UdpPort == 0)
            {
                if (transport != PacketTransport.Tls)
                {
                    report("the gateway offers no UDP port; carrying packets over TLS");
                }

                await channel.SwitchToTlsAsync(session, cancellationToken);
                return channel;
            }

            var address = await ResolveAsync(HostOf(gateway), cancellationToken);
            var udp = new UdpDataChannel(tun, offer, new IPEndPoint(address, offer.UdpPort), time);
            channel._udp = udp;
            tun.Attach(udp);
            await channel.AwaitUdpAnswerAsync(session, transport, report, time, cancellationToken);
            return channel;
        }
        catch
        {
            await channel.DisposeAsync();
            throw;
        }
    }

    /// <summary>A line for the session's end when datagrams or messages were dropped on receipt; null when none were.</summary>
    public string? DescribeDrops()
    {
        var drops = string.Join(", ", new[] { _udp?.Drops, _tls?.Drops }.Select(d => d?.Describe()).Where(d => d is not null and not "none"));
        return drops.Length == 0 ? null : "packets from the gateway dropped on this session: " + drops;
    }

    public async ValueTask DisposeAsync()
    {
        _tun.Attach(null);
        if (_udp is { } udp)
        {
            // Joins its receiving thread: not on the caller's thread, which may be the socket event thread.
            await Task.Run(udp.Dispose);
        }

        if (_tls is not null)
        {
            await _tls.DisposeAsync();
        }

    }

    private async Task AwaitUdpAnswerAsync(ClientSession session, PacketTransport transport, Action<string> report, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var udp = _udp!;
        try
        {
            await udp.Answered.WaitAsync(UdpAnswerTimeout, time, cancellationToken);
            return;
        }
        catch (TimeoutException)
        {
        }

        var where = $"{udp.Endpoint} within {UdpAnswerTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s";
        if (transport == PacketTransport.Udp)
        {
            report($"no UDP answer from {where}; still trying UDP only (--transport udp)");
            return;
        }

        try
        {
            await SwitchToTlsAsync(session, cancellationToken);
            // Said once packets do go over TLS, so what the user tries after reading it works.
            report($"no UDP answer from {where}; carrying packets over TLS");
            _udp = null;
            // Not cancelled: the switch is done, and its receiving thread must be joined either way.
            await Task.Run(udp.Dispose, CancellationToken.None);
        }
        catch (Exception e) when (e is WebSocketException or TunnelRefusedException or IOException or HttpRequestException)
        {
            report($"no UDP answer from {where}, and cannot carry packets over TLS either ({e.Message}); staying on UDP");
        }
    }

    private async Task SwitchToTlsAsync(ClientSession session, CancellationToken cancellationToken)
    {
        var socket = await session.OpenPacketsAsync(cancellationToken);
        _tls = new TlsDataChannel(socket, _tun);
        _tun.Attach(_tls);
    }

    /// <summary>The host of HOST:PORT, without the brackets of an IPv6 literal.</summary>
    private static string HostOf(string gateway) => gateway[..gateway.LastIndexOf(':')].Trim('[', ']');

    /// <summary>
    /// The host's first address, as the TLS connection tries it first (SocketsHttpHandler connects to the addresses
    /// in the order the resolver gives them).
    /// </summary>
    private static async Task<IPAddress> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(host, out var literal))
        {
            return literal;
        }

        var addresses = await Dns.GetHostAddressesAsync(host, cancellationToken);
        return addresses.Length > 0 ? addresses[0] : throw new SocketException((int)SocketError.HostNotFound);
    }
}
