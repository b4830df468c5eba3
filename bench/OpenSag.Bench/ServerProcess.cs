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
    private int _keepaliveSeconds;
    private string[] _caps = [];
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
        return StartAsync(data, shaping, keepaliveSeconds, caps ?? ["--gateway-max-connections-per-address", "1000000"]);
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
        return await StartAsync(_data, shaping, _keepaliveSeconds, _caps);
    }

    private static async Task<ServerProcess> StartAsync(string data, bool shaping, int keepaliveSeconds, string[] caps)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            ServerDll(), "serve", "--data", data, "--api-listen", "127.0.0.1:0", "--gateway-listen", "127.0.0.1:0",
            "--tunnel-allow", "127.0.0.0/8", "--log-level", "Warning", "--keepalive-seconds", keepaliveSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }.Concat(caps))
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
        return new ServerProcess(process, data, api, gateway) { _keepaliveSeconds = keepaliveSeconds, _caps = caps };
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
