using System.Net;
using System.Net.Sockets;

namespace OpenSag.IntegrationTests.Gateway;

/// <summary>
/// A TCP proxy on 127.0.0.1:0 in front of the gateway that can fail like a network: <see cref="Blackhole"/>
/// stops forwarding without closing anything (a pulled cable: no data, no FIN, no RST, and new connections
/// are accepted but go nowhere), <see cref="DropAll"/> resets every connection (a dropped link the client
/// notices) and keeps forwarding new ones, <see cref="Refuse"/> resets every new connection (a gateway not up yet).
/// </summary>
public sealed class FaultyProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<(TcpClient A, TcpClient B)> _pairs = [];
    private readonly List<TcpClient> _held = [];
    private readonly Lock _gate = new();
    private readonly Task _accepting;
    private volatile bool _blackholed;
    private volatile bool _refusing;

    public FaultyProxy(int targetPort)
    {
        _target = new IPEndPoint(IPAddress.Loopback, targetPort);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public string Address => $"127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    public void Blackhole() => _blackholed = true;

    /// <summary>Nothing listens yet (or any more): every new connection is reset at once, until <see cref="Restore"/>.</summary>
    public void Refuse() => _refusing = true;

    /// <summary>The cable is back: new connections are forwarded again; ones held silent are closed.</summary>
    public void Restore()
    {
        _blackholed = false;
        _refusing = false;
        lock (_gate)
        {
            _held.ForEach(c => c.Dispose());
            _held.Clear();
        }
    }

    public void DropAll()
    {
        lock (_gate)
        {
            foreach (var (a, b) in _pairs)
            {
                a.Client.LingerState = new LingerOption(true, 0);
                b.Client.LingerState = new LingerOption(true, 0);
                a.Dispose();
                b.Dispose();
            }

            _pairs.Clear();
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient inbound;
            try
            {
                inbound = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            if (_refusing)
            {
                // A connect to a closed port meets an RST; accepting and resetting at once is the same to the client.
                inbound.Client.LingerState = new LingerOption(true, 0);
                inbound.Dispose();
                continue;
            }

            if (_blackholed)
            {
                // Behind a pulled cable a SYN gets no answer; holding the accepted socket silent is the closest
                // a user-space proxy gets. It is closed on dispose.
                lock (_gate)
                {
                    _held.Add(inbound);
                }

                continue;
            }

            var outbound = new TcpClient();
            try
            {
                await outbound.ConnectAsync(_target, _stop.Token);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                inbound.Dispose();
                outbound.Dispose();
                continue;
            }

            lock (_gate)
            {
                _pairs.Add((inbound, outbound));
            }

            _ = PumpAsync(inbound, outbound);
            _ = PumpAsync(outbound, inbound);
        }
    }

    private async Task PumpAsync(TcpClient from, TcpClient to)
    {
        var buffer = new byte[16384];
        try
        {
            while (true)
            {
                var read = await from.GetStream().ReadAsync(buffer, _stop.Token);
                if (_blackholed)
                {
                    if (read == 0)
                    {
                        return; // a FIN does not cross a pulled cable either
                    }

                    continue; // swallow: the other side sees silence, not a close
                }

                if (read == 0)
                {
                    to.Client.Shutdown(SocketShutdown.Send);
                    return;
                }

                await to.GetStream().WriteAsync(buffer.AsMemory(0, read), _stop.Token);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        // The accept loop ends as soon as the listener stops; the bound only keeps a broken test from hanging.
        await _accepting.WaitAsync(TimeSpan.FromSeconds(10));
        DropAll();
        lock (_gate)
        {
            _held.ForEach(c => c.Dispose());
            _held.Clear();
        }

        _stop.Dispose();
    }
}
