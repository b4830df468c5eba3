using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace OpenSag.IntegrationTests.Support;

/// <summary>
/// The real <c>opensag serve</c> process on 127.0.0.1 with OS-chosen ports, in a data folder of its own,
/// bootstrapped with the root access key the test chose. Start, graceful stop (SIGTERM), hard kill
/// (SIGKILL) and restart on the same data folder; everything the process printed is kept for failure messages.
/// </summary>
public sealed partial class OpenSagServer : IAsyncDisposable
{
    /// <summary>Start-up bound: the process has to print its listening line and answer /healthz within this.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Bound on a graceful stop after SIGTERM, and on a kill.</summary>
    public static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(15);

    private readonly bool _ownsDataDir;
    private readonly StringBuilder _previousRuns = new();
    private Process? _process;
    private Process? _retired;
    private ProcessOutput _output = new();

    private readonly IReadOnlyList<string> _extraArguments;
    private string? _shellSetup;
    private NetworkNamespace? _namespace;
    private IReadOnlyList<string> _wrapper = [];
    private string _gatewayListen = "127.0.0.1:0";

    private OpenSagServer(string dataDir, bool ownsDataDir, string accessKeyId, string accessKeySecret, IReadOnlyList<string> extraArguments)
    {
        DataDir = dataDir;
        _ownsDataDir = ownsDataDir;
        AccessKeyId = accessKeyId;
        AccessKeySecret = accessKeySecret;
        _extraArguments = extraArguments;
    }

    /// <summary>The server's data folder (SQLite database, gateway certificate).</summary>
    public string DataDir { get; }

    /// <summary>The root access key id given to the server through OPENSAG_ROOT_ACCESS_KEY_ID.</summary>
    public string AccessKeyId { get; }

    /// <summary>The root access key secret given through OPENSAG_ROOT_ACCESS_KEY_SECRET.</summary>
    public string AccessKeySecret { get; }

    /// <summary>The API port of the current run (a restart gets a new one).</summary>
    public int Port { get; private set; }

    /// <summary>The API base address of the current run, e.g. http://127.0.0.1:41234.</summary>
    public Uri Endpoint => new($"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}");

    /// <summary>The gateway's HOST:PORT of the current run (TLS), e.g. 127.0.0.1:41235, as serve printed it.</summary>
    public string GatewayAddress { get; private set; } = "";

    /// <summary>
    /// The web console's base address of the current run (serve gets <c>--console-listen 127.0.0.1:0</c> unless the test
    /// gives its own), e.g. http://127.0.0.1:41236; null when the console is off.
    /// </summary>
    public Uri? ConsoleEndpoint { get; private set; }

    /// <summary>The gateway's certificate, for <c>opensag connect --ca-file</c>.</summary>
    public string GatewayCertificatePath => Path.Combine(DataDir, "gateway-cert.pem");

    /// <summary>The network namespace the server runs in (<see cref="StartInNamespaceAsync"/>), or null for the test's own.</summary>
    public NetworkNamespace? Namespace => _namespace;

    /// <summary>Whether the current process is alive.</summary>
    public bool IsRunning => _process is { HasExited: false };

    /// <summary>The exit code of the most recent run that ended, if any.</summary>
    public int? LastExitCode { get; private set; }

    /// <summary>Everything every run of this server printed so far (stderr lines prefixed with "err: ").</summary>
    public string Output => _previousRuns + _output.Text;

    /// <summary>
    /// Starts a server with the given root credentials. Without <paramref name="dataDir"/> a fresh temporary
    /// folder is used and deleted on dispose.
    /// </summary>
    /// <param name="extraArguments">More <c>opensag serve</c> options, e.g. <c>--tunnel-allow 127.0.0.0/8</c>.</param>
    public static async Task<OpenSagServer> StartAsync(string accessKeyId, string accessKeySecret, string? dataDir = null, params string[] extraArguments)
    {
        ArgumentException.ThrowIfNullOrEmpty(accessKeyId);
        ArgumentException.ThrowIfNullOrEmpty(accessKeySecret);
        var owns = dataDir is null;
        dataDir ??= Directory.CreateTempSubdirectory("opensag-it-").FullName;
        var server = new OpenSagServer(dataDir, owns, accessKeyId, accessKeySecret, extraArguments);
        return await StartedAsync(server);
    }

    /// <summary>Starts a server with a random root key pair in a fresh temporary folder.</summary>
    public static Task<OpenSagServer> StartWithRandomKeysAsync(params string[] extraArguments) =>
        StartAsync("LTAI" + RandomToken(20), RandomToken(30), null, extraArguments);

    /// <summary>
    /// Starts a server with a random root key pair in a fresh temporary folder, whose process first runs
    /// <paramref name="shellSetup"/> in /bin/sh (e.g. <c>umask 022</c>, <c>ulimit -n 512</c>) and then execs opensag,
    /// so it keeps the process id; restarts run it again.
    /// </summary>
    public static async Task<OpenSagServer> StartInShellAsync(string shellSetup, params string[] extraArguments)
    {
        var server = new OpenSagServer(Directory.CreateTempSubdirectory("opensag-it-").FullName, true, "LTAI" + RandomToken(20), RandomToken(30), extraArguments)
        {
            _shellSetup = shellSetup,
        };
        return await StartedAsync(server);
    }

    /// <summary>
    /// Starts a server with a random root key pair inside <paramref name="network"/>, its gateway on
    /// <paramref name="gatewayListen"/> (e.g. 198.18.7.1:0, an address of that namespace), in <paramref name="dataDir"/>
    /// (kept) or a fresh temporary folder (deleted on dispose). Its API is on the namespace's own 127.0.0.1, so only
    /// processes run in the namespace reach it (<see cref="NetworkNamespace.RunAsync"/>).
    /// </summary>
    public static async Task<OpenSagServer> StartInNamespaceAsync(NetworkNamespace network, string gatewayListen, string? dataDir = null, params string[] extraArguments)
    {
        ArgumentNullException.ThrowIfNull(network);
        var server = new OpenSagServer(dataDir ?? Directory.CreateTempSubdirectory("opensag-it-").FullName, dataDir is null, "LTAI" + RandomToken(20), RandomToken(30), extraArguments)
        {
            _namespace = network,
            _gatewayListen = gatewayListen,
        };
        return await StartedAsync(server);
    }

    /// <summary>
    /// <see cref="StartInNamespaceAsync"/> with the root key pair the caller chose, in a fresh temporary folder: for one
    /// node of several on one database, which must all bootstrap the same root key.
    /// </summary>
    public static async Task<OpenSagServer> StartNodeInNamespaceAsync(NetworkNamespace network, string gatewayListen, string accessKeyId, string accessKeySecret,
        params string[] extraArguments)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentException.ThrowIfNullOrEmpty(accessKeyId);
        ArgumentException.ThrowIfNullOrEmpty(accessKeySecret);
        var server = new OpenSagServer(Directory.CreateTempSubdirectory("opensag-it-").FullName, true, accessKeyId, accessKeySecret, extraArguments)
        {
            _namespace = network,
            _gatewayListen = gatewayListen,
        };
        return await StartedAsync(server);
    }

    /// <summary>
    /// <see cref="StartInNamespaceAsync"/> with the server's command run by <paramref name="wrapper"/>, a program and its
    /// arguments that exec the rest (e.g. <c>setpriv --reuid=65534 … --</c>), in <paramref name="dataDir"/> (kept).
    /// </summary>
    public static async Task<OpenSagServer> StartInNamespaceWrappedAsync(NetworkNamespace network, string gatewayListen, string dataDir, IReadOnlyList<string> wrapper,
        params string[] extraArguments)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(wrapper);
        var server = new OpenSagServer(dataDir, false, "LTAI" + RandomToken(20), RandomToken(30), extraArguments)
        {
            _namespace = network,
            _gatewayListen = gatewayListen,
            _wrapper = wrapper,
        };
        return await StartedAsync(server);
    }

    /// <summary>Starts <paramref name="server"/>'s process; a server that does not come up is disposed (its folder too, if owned).</summary>
    private static async Task<OpenSagServer> StartedAsync(OpenSagServer server)
    {
        try
        {
            await server.StartProcessAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Graceful stop: SIGTERM, then wait (bounded) for the process to exit. Returns its exit code.</summary>
    public async Task<int> StopAsync()
    {
        var process = _process ?? throw new InvalidOperationException("The server was never started.");
        if (!process.HasExited)
        {
            await UnixSignal.SendTermAsync(process.Id);
            try
            {
                await process.WaitForExitAsync().WaitAsync(StopTimeout);
            }
            catch (TimeoutException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync().WaitAsync(StopTimeout);
                throw new TimeoutException($"opensag did not exit within {StopTimeout.TotalSeconds} s of SIGTERM and was killed.\n{Output}");
            }
        }

        return Retire(process);
    }

    /// <summary>Hard stop: SIGKILL, as a crash or <c>kill -9</c> would. Returns the exit code.</summary>
    public async Task<int> KillAsync()
    {
        var process = _process ?? throw new InvalidOperationException("The server was never started.");
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: false);
            await process.WaitForExitAsync().WaitAsync(StopTimeout);
        }

        return Retire(process);
    }

    /// <summary>Stops the current process (gracefully, or with SIGKILL) and starts a new one on the same data folder.</summary>
    public async Task RestartAsync(bool graceful = true)
    {
        if (IsRunning)
        {
            _ = graceful ? await StopAsync() : await KillAsync();
        }

        await StartProcessAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            try
            {
                if (!_process.HasExited)
                {
                    await StopAsync();
                }
            }
            catch (TimeoutException)
            {
                // StopAsync already killed it; the message is only useful to a test that asked for a graceful stop.
            }
            finally
            {
                _process?.Dispose();
                _process = null;
            }
        }

        if (_ownsDataDir)
        {
            try
            {
                Directory.Delete(DataDir, recursive: true);
            }
            catch (IOException)
            {
                // A leftover temp folder is not worth failing a test run over.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    public override string ToString() => $"opensag serve on {Endpoint} (data {DataDir})";

    private async Task StartProcessAsync()
    {
        var assembly = RepositoryLayout.ServerAssemblyPath;
        if (!File.Exists(assembly))
        {
            throw new FileNotFoundException($"{assembly} does not exist; build the server first: dotnet build OpenSag.slnx -c {RepositoryLayout.Configuration}", assembly);
        }

        var start = new ProcessStartInfo(_shellSetup is null ? RepositoryLayout.DotnetHost : "/bin/sh")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = DataDir,
        };
        if (_shellSetup is not null)
        {
            // sh -c 'SETUP && exec "$0" "$@"' dotnet opensag.dll serve …: $0 is the dotnet host, "$@" the rest.
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(_shellSetup + " && exec \"$0\" \"$@\"");
            start.ArgumentList.Add(RepositoryLayout.DotnetHost);
        }

        foreach (var argument in new[] { assembly, "serve", "--data", DataDir, "--api-listen", "127.0.0.1:0", "--gateway-listen", _gatewayListen }
            .Concat(_extraArguments.Contains("--console-listen") ? [] : ["--console-listen", "127.0.0.1:0"]).Concat(_extraArguments))
        {
            start.ArgumentList.Add(argument);
        }

        if (_wrapper.Count > 0)
        {
            string[] prefix = [.. _wrapper.Skip(1), start.FileName];
            start.FileName = _wrapper[0];
            for (var i = 0; i < prefix.Length; i++)
            {
                start.ArgumentList.Insert(i, prefix[i]);
            }
        }

        _namespace?.Enter(start);
        start.Environment["OPENSAG_ROOT_ACCESS_KEY_ID"] = AccessKeyId;
        start.Environment["OPENSAG_ROOT_ACCESS_KEY_SECRET"] = AccessKeySecret;

        if (_process is { HasExited: true } previous)
        {
            Retire(previous);
        }

        _process?.Dispose();
        _output = new ProcessOutput();
        var process = new Process { StartInfo = start };
        if (!process.Start())
        {
            throw new InvalidOperationException($"Could not start {start.FileName} {assembly}.");
        }

        _process = process;
        _output.Attach(process);

        var listening = _output.WaitForLineAsync(line => ListeningLine().IsMatch(line));
        var exited = process.WaitForExitAsync();
        Task first;
        try
        {
            first = await Task.WhenAny(listening, exited).WaitAsync(StartTimeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"opensag printed no 'OpenSAG API listening on http://127.0.0.1:PORT' line within {StartTimeout.TotalSeconds} s.\n{Output}");
        }

        if (first == exited)
        {
            // Let the output readers drain before reporting.
            await process.WaitForExitAsync().WaitAsync(StopTimeout);
            throw new InvalidOperationException($"opensag exited with code {process.ExitCode} before it was listening.\n{Output}");
        }

        var line = await listening;
        Port = int.Parse(ListeningLine().Match(line).Groups["port"].Value, CultureInfo.InvariantCulture);
        // The gateway line is printed before the API line, so it is already in the output.
        var gatewayLine = await _output.WaitForLineAsync(l => GatewayLine().IsMatch(l)).WaitAsync(StartTimeout);
        GatewayAddress = GatewayLine().Match(gatewayLine).Groups["address"].Value;
        // Printed before the API line too, when the console is on.
        var consoleLine = _output.Text.Split('\n').Select(l => ConsoleLine().Match(l.TrimEnd('\r'))).FirstOrDefault(m => m.Success);
        ConsoleEndpoint = consoleLine is null ? null : new Uri(consoleLine.Groups["url"].Value);
        // The API of a server in a namespace is on that namespace's loopback, out of this process's reach; the
        // listening line, printed once Kestrel listens, is the readiness signal there.
        if (_namespace is null)
        {
            await WaitUntilHealthyAsync();
        }
    }

    private async Task WaitUntilHealthyAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + StartTimeout;
        var healthz = new Uri(Endpoint, "/healthz");
        string last = "no answer";
        while (DateTime.UtcNow < deadline)
        {
            if (_process is { HasExited: true })
            {
                throw new InvalidOperationException($"opensag exited with code {_process.ExitCode} while starting.\n{Output}");
            }

            try
            {
                using var response = await http.GetAsync(healthz);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }

                last = $"HTTP {(int)response.StatusCode}";
            }
            catch (HttpRequestException ex)
            {
                last = ex.Message;
            }
            catch (TaskCanceledException ex)
            {
                last = ex.Message;
            }

            // The listening line means ready, so this loop normally ends on its first pass; the short pause
            // only spaces out retries if the listener is still coming up.
            await Task.Delay(TimeSpan.FromMilliseconds(50));
        }

        throw new TimeoutException($"GET {healthz} did not answer 200 within {StartTimeout.TotalSeconds} s (last: {last}).\n{Output}");
    }

    private int Retire(Process process)
    {
        if (ReferenceEquals(process, _retired))
        {
            return process.ExitCode;
        }

        _retired = process;
        // WaitForExitAsync has also waited for the redirected streams to reach end of file.
        LastExitCode = process.ExitCode;
        _previousRuns.Append(_output.Text).Append(CultureInfo.InvariantCulture, $"--- exited with code {process.ExitCode} ---\n");
        _output = new ProcessOutput();
        return process.ExitCode;
    }

    private static string RandomToken(int length)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        return string.Create(length, alphabet, static (span, chars) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = chars[System.Security.Cryptography.RandomNumberGenerator.GetInt32(chars.Length)];
            }
        });
    }

    // Each also as the Message of an entry under serve --log-format json (one JSON object a line).
    [GeneratedRegex(@"^(OpenSAG API listening on http://127\.0\.0\.1:(?<port>\d+)|\{.*""Message"":""OpenSAG API listening on http://127\.0\.0\.1:(?<port>\d+)"".*\})$")]
    private static partial Regex ListeningLine();

    [GeneratedRegex(@"^(\{.*""Message"":"")?OpenSAG console listening on (?<url>https?://[^\s""]+)(""|$)")]
    private static partial Regex ConsoleLine();

    [GeneratedRegex(@"^(\{.*""Message"":"")?OpenSAG gateway listening on (?<address>\S+:\d+) ")]
    private static partial Regex GatewayLine();
}
