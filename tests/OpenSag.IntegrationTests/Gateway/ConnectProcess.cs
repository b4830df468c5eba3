using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.Gateway;

/// <summary>
/// A real <c>opensag connect</c> process: the client app as a user runs it, with its local forwards and SOCKS5
/// port on 127.0.0.1. Everything it printed is kept for failure messages; dispose kills it if it still runs.
/// </summary>
public sealed partial class ConnectProcess : IAsyncDisposable
{
    /// <summary>Start-up and login: a dotnet process start plus a TLS handshake and a password hash check.</summary>
    public static readonly TimeSpan OnlineTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Bound on a graceful stop after SIGTERM (logout included), and on a kill.</summary>
    public static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(15);

    private readonly Process _process;
    private readonly ProcessOutput _output = new();

    private ConnectProcess(Process process, string userName, IReadOnlyList<int> forwardPorts, int? socksPort)
    {
        _process = process;
        UserName = userName;
        ForwardPorts = forwardPorts;
        SocksPort = socksPort;
    }

    public string UserName { get; }

    /// <summary>The local ports of the <c>--forward</c>s, in the order their targets were given.</summary>
    public IReadOnlyList<int> ForwardPorts { get; }

    /// <summary>The local SOCKS5 port, when one was asked for.</summary>
    public int? SocksPort { get; }

    /// <summary>The ClientIp of the most recent "online:" line seen by <see cref="WaitOnlineAsync"/>.</summary>
    public string? ClientIp { get; private set; }

    /// <summary>The session id of the most recent "online:" line seen by <see cref="WaitOnlineAsync"/>.</summary>
    public string? SessionId { get; private set; }

    /// <summary>The TUN interface of the most recent "online:" line (<c>connect --tun</c>), else null.</summary>
    public string? Interface { get; private set; }

    public bool HasExited => _process.HasExited;

    /// <summary>Everything the process printed so far (stderr lines prefixed with "err: ").</summary>
    public string Output => _output.Text;

    /// <summary>
    /// Starts <c>opensag connect</c> without waiting for it to come online (a refused login ends the process
    /// instead). Each of <paramref name="forwardTargets"/> gets a free local port; <paramref name="socks"/> adds a
    /// SOCKS5 port. With <paramref name="inNamespace"/> it runs in that network namespace (its forwards then listen on
    /// the namespace's loopback). <paramref name="extraArguments"/> are more <c>connect</c> options, e.g. <c>--tun</c>.
    /// </summary>
    public static ConnectProcess Start(string gateway, string caFile, string smartAgId, string userName, string password,
        IReadOnlyList<string>? forwardTargets = null, bool socks = false, NetworkNamespace? inNamespace = null, IReadOnlyList<string>? extraArguments = null)
    {
        var assembly = RepositoryLayout.ServerAssemblyPath;
        if (!File.Exists(assembly))
        {
            throw new FileNotFoundException($"{assembly} does not exist; build it first: dotnet build OpenSag.slnx -c {RepositoryLayout.Configuration}", assembly);
        }

        var start = new ProcessStartInfo(RepositoryLayout.DotnetHost)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            // Redirected stdin is not a terminal: connect never waits at a password prompt.
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { assembly, "connect", "--gateway", gateway, "--ca-file", caFile, "--instance", smartAgId, "--user", userName })
        {
            start.ArgumentList.Add(argument);
        }

        var forwardPorts = new List<int>();
        foreach (var target in forwardTargets ?? [])
        {
            var port = FreeLoopbackPort();
            forwardPorts.Add(port);
            start.ArgumentList.Add("--forward");
            start.ArgumentList.Add($"127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}={target}");
        }

        int? socksPort = null;
        if (socks)
        {
            socksPort = FreeLoopbackPort();
            start.ArgumentList.Add("--socks");
            start.ArgumentList.Add($"127.0.0.1:{socksPort.Value.ToString(CultureInfo.InvariantCulture)}");
        }

        foreach (var argument in extraArguments ?? [])
        {
            start.ArgumentList.Add(argument);
        }

        inNamespace?.Enter(start);
        start.Environment["OPENSAG_PASSWORD"] = password;
        var process = new Process { StartInfo = start };
        if (!process.Start())
        {
            process.Dispose();
            throw new InvalidOperationException($"Could not start {start.FileName} {assembly} connect.");
        }

        var client = new ConnectProcess(process, userName, forwardPorts, socksPort);
        client._output.Attach(process);
        return client;
    }

    /// <summary>
    /// Waits (bounded) for the <paramref name="occurrence"/>-th "online:" line, counting from the start of the
    /// process: 1 is the first login, 2 the first reconnect. Fails with the output if the process exits first.
    /// </summary>
    public async Task WaitOnlineAsync(int occurrence = 1, TimeSpan? timeout = null)
    {
        var bound = timeout ?? OnlineTimeout;
        // ProcessOutput offers every stdout line to a waiter exactly once, in order, so counting in the
        // predicate finds the n-th matching line whether it is already printed or still to come.
        var seen = 0;
        var online = _output.WaitForLineAsync(line => OnlineLine().IsMatch(line) && ++seen == occurrence);
        var exited = _process.WaitForExitAsync();
        Task first;
        try
        {
            first = await Task.WhenAny(online, exited).WaitAsync(bound);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{this}: no 'online:' line #{occurrence} within {bound.TotalSeconds} s.\n{Output}");
        }

        if (first == exited && !online.IsCompleted)
        {
            await exited.WaitAsync(StopTimeout);
            throw new InvalidOperationException($"{this}: exited with code {_process.ExitCode} before 'online:' line #{occurrence}.\n{Output}");
        }

        var match = OnlineLine().Match(await online);
        ClientIp = match.Groups["ip"].Value;
        SessionId = match.Groups["session"].Value;
        Interface = match.Groups["interface"].Success ? match.Groups["interface"].Value : null;
    }

    /// <summary>A stderr line that contains <paramref name="text"/>, waited for within <paramref name="timeout"/>.</summary>
    public async Task<string> WaitForErrorLineAsync(string text, TimeSpan timeout)
    {
        try
        {
            return await _output.WaitForErrorLineAsync(line => line.Contains(text, StringComparison.Ordinal)).WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{this}: no stderr line containing '{text}' within {timeout.TotalSeconds} s.\n{Output}");
        }
    }

    /// <summary>Waits (bounded) for the process to end by itself and returns its exit code; all output is read by then.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{this}: still running after {timeout.TotalSeconds} s.\n{Output}");
        }

        return _process.ExitCode;
    }

    /// <summary>Ctrl-C as a service manager does it: SIGTERM, then wait (bounded). Returns the exit code.</summary>
    public async Task<int> StopAsync()
    {
        if (!_process.HasExited)
        {
            await UnixSignal.SendTermAsync(_process.Id);
            try
            {
                await _process.WaitForExitAsync().WaitAsync(StopTimeout);
            }
            catch (TimeoutException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().WaitAsync(StopTimeout);
                throw new TimeoutException($"{this}: did not exit within {StopTimeout.TotalSeconds} s of SIGTERM and was killed.\n{Output}");
            }
        }

        return _process.ExitCode;
    }

    /// <summary>SIGSTOP: the process vanishes without closing anything (<see cref="ThawAsync"/> or dispose ends that).</summary>
    public Task FreezeAsync() => UnixSignal.SendStopAsync(_process.Id);

    /// <summary>SIGCONT after <see cref="FreezeAsync"/>.</summary>
    public Task ThawAsync() => UnixSignal.SendContinueAsync(_process.Id);

    /// <summary>SIGKILL, as a crash would: no logout. Waits (bounded) for the exit.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(StopTimeout);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await KillAsync();
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or System.ComponentModel.Win32Exception)
        {
            // Already gone, or stuck in the kernel: nothing more a test can do about it.
        }
        finally
        {
            _process.Dispose();
        }
    }

    public override string ToString() => $"opensag connect --user {UserName} (pid {(_process.HasExited ? "exited" : _process.Id.ToString(CultureInfo.InvariantCulture))})";

    /// <summary>
    /// A port the OS just handed out and took back. Another process could take it before connect binds it,
    /// but the OS cycles through ephemeral ports, so an immediate reuse is unlikely on a test machine.
    /// </summary>
    private static int FreeLoopbackPort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    [GeneratedRegex(@"^online: ClientIp (?<ip>[0-9.]+), DNS (?<dns>\S+), session (?<session>[^\s,]+)(, interface (?<interface>\S+))?$")]
    private static partial Regex OnlineLine();
}
