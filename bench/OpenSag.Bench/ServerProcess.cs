using System.Diagnostics;
using System.Text.RegularExpressions;

namespace OpenSag.Bench;

/// <summary>The real <c>opensag serve</c> (Release build) in its own process, on port 0, with a fresh data folder.</summary>
internal sealed partial class ServerProcess : IAsyncDisposable
{
    public const string RootKeyId = "LTAIbenchroot0000001";
    public const string RootKeySecret = "benchRootSecret0000000000000000";

    private readonly Process _process;
    private readonly string _data;
    private string[] _launcher = [];
    private string[] _arguments = [];
    private bool _dataHandedOver;
    private bool _stopped;

    private ServerProcess(Process process, string data, int apiPort, int gatewayPort)
    {
        _process = process;
        _data = data;
        ApiPort = apiPort;
        GatewayPort = gatewayPort;
    }

    public int ApiPort { get; }

    public int GatewayPort { get; }

    public int Pid => _process.Id;

    public string CertificateFile => Path.Combine(_data, "gateway-cert.pem");

    public long RssKiB => Native.RssKiB(_process.Id);

    public static string ServerDll()
    {
        var dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "OpenSag.slnx")))
        {
            dir = Path.GetDirectoryName(dir);
        }

        var dll = Path.Combine(dir ?? ".", "src", "OpenSag", "bin", "Release", "net10.0", "opensag.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException("Build the server first: dotnet build -c Release src/OpenSag", dll);
    }

    /// <param name="caps">The gateway's connection caps; by default none per source address, since the bench's clients
    /// stand in for users of many addresses from 16 loopback ones (18,000 sessions in session-capacity).</param>
    public static Task<ServerProcess> StartAsync(bool shaping, int keepaliveSeconds = 15, string[]? caps = null)
    {
        var data = Path.Combine(Path.GetTempPath(), "opensag-bench-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(data);
        string[] arguments =
        [
            "--api-listen", "127.0.0.1:0", "--gateway-listen", "127.0.0.1:0", "--console-listen", "off", "--tunnel-allow", "127.0.0.0/8", "--log-level", "Warning",
            "--keepalive-seconds", keepaliveSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            .. caps ?? ["--gateway-max-connections-per-address", "1000000"],
        ];
        return StartAsync(data, shaping, [], arguments);
    }

    /// <summary>
    /// The server started through <paramref name="launcher"/> (e.g. <c>ip netns exec NS</c>, which execs, so
    /// <see cref="Pid"/> is the server's own) on the data folder <paramref name="data"/> (created if missing, removed on
    /// dispose) with <paramref name="arguments"/> after <c>serve --data DIR</c>: its listen addresses (ports may be 0),
    /// tunnel destinations and the rest, chosen by the caller.
    /// </summary>
    public static Task<ServerProcess> StartAsync(string data, string[] launcher, string[] arguments, bool shaping)
    {
        Directory.CreateDirectory(data);
        return StartAsync(data, shaping, launcher, arguments);
    }

    /// <summary>
    /// Kills this server (as a crash or an operator's restart would end it, without goodbyes) and starts a new one on the
    /// same data folder, so users, the token key and the certificate survive and clients can resume. The new server
    /// listens on new ports and owns the data folder from now on.
    /// </summary>
    public async Task<ServerProcess> RestartAsync(bool shaping)
    {
        _dataHandedOver = true;
        await StopAsync();
        return await StartAsync(_data, shaping, _launcher, _arguments);
    }

    private static async Task<ServerProcess> StartAsync(string data, bool shaping, string[] launcher, string[] arguments)
    {
        string[] command = [.. launcher, "dotnet", ServerDll(), "serve", "--data", data, .. arguments];
        var info = new ProcessStartInfo(command[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in command.Skip(1))
        {
            info.ArgumentList.Add(arg);
        }

        if (!shaping)
        {
            info.ArgumentList.Add("--no-shaping");
        }

        info.Environment["OPENSAG_ROOT_ACCESS_KEY_ID"] = RootKeyId;
        info.Environment["OPENSAG_ROOT_ACCESS_KEY_SECRET"] = RootKeySecret;
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start dotnet");
        int api = 0, gateway = 0;
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                ready.TrySetException(new InvalidOperationException("the server exited before listening"));
                return;
            }

            if (GatewayLine().Match(e.Data) is { Success: true } g)
            {
                gateway = int.Parse(g.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            }
            else if (ApiLine().Match(e.Data) is { Success: true } a)
            {
                api = int.Parse(a.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            }

            if (api != 0 && gateway != 0)
            {
                ready.TrySetResult();
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                Console.Error.WriteLine("[server] " + e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await ready.Task.WaitAsync(TimeSpan.FromSeconds(60));
        return new ServerProcess(process, data, api, gateway) { _launcher = launcher, _arguments = arguments };
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        if (_dataHandedOver)
        {
            return;
        }

        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
            }
        }

        _process.Dispose();
    }

    [GeneratedRegex(@"OpenSAG gateway listening on \S+:(\d+) ")]
    private static partial Regex GatewayLine();

    [GeneratedRegex(@"OpenSAG API listening on http://\S+:(\d+)")]
    private static partial Regex ApiLine();
}
