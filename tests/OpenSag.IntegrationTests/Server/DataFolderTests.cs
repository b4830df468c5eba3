using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.Server;

/// <summary>
/// The data folder belongs to one server and to the server's user only: 0700 and every file in it 0600 whatever
/// the umask, also when an older version left it readable (issue 9 item 2); a second <c>serve</c> on a folder or
/// a port in use is refused with one line and exit 1, and a crashed server leaves no stale lock (issue 10 item 6).
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class DataFolderTests
{
    private const UnixFileMode Loose = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode PrivateFolder = PrivateFile | UnixFileMode.UserExecute;
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Serve_Umask022FreshAndLoosenedFolder_FolderIs0700AndEveryFile0600()
    {
        await using var server = await OpenSagServer.StartInShellAsync("umask 022");
        await WriteSomethingAsync(server);
        AssertPrivate(server.DataDir, "after the first start");

        await server.StopAsync();
        // What an older version left: a 755 folder of 644 files (and 755 folders: the console's keys are in one).
        var looseFolder = Loose | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        File.SetUnixFileMode(server.DataDir, looseFolder);
        foreach (var entry in Directory.EnumerateFileSystemEntries(server.DataDir))
        {
            File.SetUnixFileMode(entry, Directory.Exists(entry) ? looseFolder : Loose);
        }

        await server.RestartAsync();
        await WriteSomethingAsync(server);
        AssertPrivate(server.DataDir, "after a start on a loosened folder");
    }

    [Fact]
    public async Task Serve_DataFolderHeldByRunningServer_RefusedInOneLineNamingFolderAndServer()
    {
        await using var first = await OpenSagServer.StartWithRandomKeysAsync();

        var second = await ServeToExitAsync("--data", first.DataDir, "--api-listen", "127.0.0.1:0", "--gateway-listen", "127.0.0.1:0");

        Assert.True(second.ExitCode == 1, $"a second serve on the same data folder exited with {second.ExitCode}.\n{second}");
        var line = Assert.Single(Lines(second.Stderr));
        Assert.Contains(first.DataDir, line, StringComparison.Ordinal);
        Assert.Contains(first.Endpoint.ToString().TrimEnd('/'), line, StringComparison.Ordinal);
        Assert.Contains(first.GatewayAddress, line, StringComparison.Ordinal);
        Assert.Empty(Lines(second.Stdout));
        using (var http = new HttpClient { Timeout = RequestTimeout })
        {
            using var health = await http.GetAsync(new Uri(first.Endpoint, "/healthz"));
            Assert.True(health.IsSuccessStatusCode, $"the first server stopped answering: {(int)health.StatusCode}\n{first.Output}");
        }

        // The lock is the kernel's: a server killed with SIGKILL leaves none behind.
        await first.RestartAsync(graceful: false);
        Assert.True(first.IsRunning, first.Output);
    }

    [Theory]
    [InlineData("--api-listen")]
    [InlineData("--gateway-listen")]
    [InlineData("--console-listen")]
    public async Task Serve_PortInUse_OneLineNamingThePortAndExit1(string option)
    {
        await using var first = await OpenSagServer.StartWithRandomKeysAsync();
        var taken = option switch
        {
            "--api-listen" => $"127.0.0.1:{first.Port}",
            "--console-listen" => $"127.0.0.1:{first.ConsoleEndpoint!.Port}",
            _ => first.GatewayAddress,
        };
        var data = Directory.CreateTempSubdirectory("opensag-it-").FullName;
        try
        {
            var second = await ServeToExitAsync(
                "--data", data,
                "--api-listen", option == "--api-listen" ? taken : "127.0.0.1:0",
                "--gateway-listen", option == "--gateway-listen" ? taken : "127.0.0.1:0",
                "--console-listen", option == "--console-listen" ? taken : "127.0.0.1:0");

            Assert.True(second.ExitCode == 1, $"a second serve on {taken} exited with {second.ExitCode}.\n{second}");
            var line = Assert.Single(Lines(second.Stderr));
            Assert.Contains(option + " " + taken, line, StringComparison.Ordinal);
            Assert.Contains("already in use", line, StringComparison.Ordinal);
            Assert.DoesNotContain("data folder", line, StringComparison.Ordinal);
            Assert.Empty(Lines(second.Stdout));
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task Serve_DataFolderNotEmptyAndNotOurs_RefusedInOneLineAndModeUntouched()
    {
        // --data . or --data /tmp by mistake: making it 0700 would take a shared or personal folder from its users.
        var folder = Directory.CreateTempSubdirectory("opensag-it-foreign-").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(folder, "notes.txt"), "someone else's");
            var shared = Loose | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute | UnixFileMode.OtherWrite;
            File.SetUnixFileMode(folder, shared);

            var run = await ServeToExitAsync("--data", folder, "--api-listen", "127.0.0.1:0", "--gateway-listen", "127.0.0.1:0");

            Assert.True(run.ExitCode == 1, $"serve on a foreign folder exited with {run.ExitCode}.\n{run}");
            var line = Assert.Single(Lines(run.Stderr));
            Assert.Contains(folder, line, StringComparison.Ordinal);
            Assert.Contains("not empty", line, StringComparison.Ordinal);
            Assert.Equal(shared, File.GetUnixFileMode(folder));
            Assert.Equal(["notes.txt"], Directory.EnumerateFileSystemEntries(folder).Select(Path.GetFileName));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task WriteSomethingAsync(OpenSagServer server)
    {
        // A committed write, so SQLite's -wal and -shm exist beside the database.
        using var rpc = new SignedRpcClient(server);
        var (status, body) = await rpc.CallAsync("CreateSmartAccessGatewaySoftware", new Dictionary<string, string>
        {
            ["RegionId"] = "cn-files-" + Guid.NewGuid().ToString("N")[..8],
            ["ChargeType"] = "PREPAY",
            ["Period"] = "1",
            ["UserCount"] = "5",
            ["DataPlan"] = "5",
            ["AutoPay"] = "true",
        }).WaitAsync(RequestTimeout);
        Assert.True(status == 200, $"CreateSmartAccessGatewaySoftware answered {status}: {body}");
    }

    private static void AssertPrivate(string dataDir, string when)
    {
        var entries = Directory.EnumerateFileSystemEntries(dataDir, "*", SearchOption.AllDirectories).Prepend(dataDir).ToList();
        var names = entries.Select(Path.GetFileName).ToHashSet(StringComparer.Ordinal);
        foreach (var expected in new[] { "opensag.db", "opensag.db-wal", "opensag.db-shm", "gateway-cert.pem", "gateway-key.pem", "gateway-token.key", "root-profile.json" })
        {
            Assert.True(names.Contains(expected), $"{when}: no {expected} in {dataDir}: {string.Join(", ", names)}");
        }

        var wrong = entries
            .Select(e => (Entry: e, Mode: File.GetUnixFileMode(e), Want: Directory.Exists(e) ? PrivateFolder : PrivateFile))
            .Where(e => e.Mode != e.Want)
            .Select(e => $"{e.Entry} is {Octal(e.Mode)}, not {Octal(e.Want)}")
            .ToList();
        Assert.True(wrong.Count == 0, $"{when}:\n{string.Join('\n', wrong)}");
    }

    private static string Octal(UnixFileMode mode) => Convert.ToString((int)mode, 8);

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Runs <c>opensag serve</c> until it exits by itself (bounded), with none of the caller's OPENSAG_ settings.</summary>
    private static Task<OpensagCommand.Result> ServeToExitAsync(params string[] arguments) =>
        OpensagCommand.RunAsync(new Dictionary<string, string?>(), ["serve", .. arguments]);
}
