using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.Docs;

/// <summary>
/// README.md's commands and snippets run as written, the way a newcomer copies them: in order, in one folder
/// holding the server's <c>opensag-data</c>, with <c>opensag</c> on PATH, against a real server. The README's
/// fixed ports (8080, 8443, 15432, 1080) are the only text replaced, by free ones.
/// </summary>
public sealed class ReadmeTests
{
    /// <summary>A block is a handful of CLI calls (a dotnet start each) or one Node.js script: this only catches a hang.</summary>
    private static readonly TimeSpan BackgroundTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Where the shell blocks keep their variables for the next block (SAG, OPENSAG_PROFILE, …).</summary>
    private const string StateFile = ".readme-env";

    private static string ReadmePath => Path.Combine(RepositoryLayout.RootDirectory, "README.md");

    [Fact]
    public void Readme_EveryCodeBlock_IsMarkedToRunOrSkip()
    {
        var blocks = ReadmeBlocks.Parse(File.ReadAllText(ReadmePath));

        Assert.Contains(blocks, b => b.Kind == ReadmeBlockKind.Run);
        Assert.All(blocks.Where(b => b.Kind == ReadmeBlockKind.Skip), b => Assert.False(string.IsNullOrWhiteSpace(b.Argument)));
    }

    [Fact]
    public async Task Readme_MarkedBlocks_RunAsWrittenAgainstARealServer()
    {
        NodeScript.AssertClientsInstalled();
        var blocks = ReadmeBlocks.Parse(await File.ReadAllTextAsync(ReadmePath));
        var folder = Directory.CreateTempSubdirectory("opensag-readme-").FullName;
        var dataDir = Directory.CreateDirectory(Path.Combine(folder, "opensag-data")).FullName;
        try
        {
            await using var server = await OpenSagServer.StartAsync("LTAIreadme" + Guid.NewGuid().ToString("N")[..14], Guid.NewGuid().ToString("N"), dataDir);
            var environment = PrepareFolder(folder);
            var ports = new Dictionary<string, string>
            {
                ["127.0.0.1:8080"] = server.Endpoint.Authority,
                ["127.0.0.1:8443"] = server.GatewayAddress,
                ["127.0.0.1:15432"] = FreeLoopbackAddress(),
                ["127.0.0.1:1080"] = FreeLoopbackAddress(),
            };
            var transcript = new StringBuilder();
            foreach (var block in blocks)
            {
                var text = ports.Aggregate(block.Text, (t, port) => t.Replace(port.Key, port.Value, StringComparison.Ordinal));
                switch (block.Kind)
                {
                    case ReadmeBlockKind.File:
                        await File.WriteAllTextAsync(Path.Combine(folder, block.Argument), block.Text);
                        break;
                    case ReadmeBlockKind.Run:
                        var script = await WriteScriptAsync(folder, block, text, keepState: true);
                        var result = await OpensagCommand.RunProgramAsync("bash", [script], environment, folder);
                        transcript.Append(CultureInfo.InvariantCulture, $"--- README.md line {block.Line}: {result}\n");
                        Assert.True(result.ExitCode == 0, $"README.md block at line {block.Line} failed:\n{text}\n{transcript}\n{server.Output}");
                        break;
                    case ReadmeBlockKind.Background:
                        await RunInBackgroundAsync(folder, block, text, environment, transcript);
                        break;
                    default:
                        break;
                }
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>
    /// <c>opensag</c> on PATH as the README's <c>dotnet publish … -o bin</c> would put it (here the build these
    /// tests run against), and the SDK clients where <c>npm install</c> would put them; no OPENSAG_* of the developer.
    /// </summary>
    private static Dictionary<string, string?> PrepareFolder(string folder)
    {
        var bin = Directory.CreateDirectory(Path.Combine(folder, ".bin")).FullName;
        var opensag = Path.Combine(bin, "opensag");
        File.WriteAllText(opensag, $"#!/bin/sh\nexec '{RepositoryLayout.DotnetHost}' '{RepositoryLayout.ServerAssemblyPath}' \"$@\"\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(opensag, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        Directory.CreateSymbolicLink(Path.Combine(folder, "node_modules"), Path.Combine(RepositoryLayout.ConformanceDirectory, "node_modules"));
        return new Dictionary<string, string?>
        {
            ["PATH"] = bin + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH"),
            ["HOME"] = folder,
        };
    }

    /// <summary>
    /// The block as a bash script that fails on the first failing command, sees the variables earlier blocks set
    /// (as in one terminal) and, with <paramref name="keepState"/>, leaves its own for the next block.
    /// </summary>
    private static async Task<string> WriteScriptAsync(string folder, ReadmeBlock block, string text, bool keepState)
    {
        var script = Path.Combine(folder, $".readme-block-{block.Line.ToString(CultureInfo.InvariantCulture)}.sh");
        var save = keepState ? $"set +a\nexport -p > {StateFile}\n" : "";
        await File.WriteAllTextAsync(script, $"set -eu -o pipefail\nif [ -f {StateFile} ]; then . ./{StateFile}; fi\nset -a\n{text}{save}");
        return script;
    }

    /// <summary>Starts a long-running block, waits for its ready line (of the sample's shape, if the block shows one), then stops it.</summary>
    private static async Task RunInBackgroundAsync(string folder, ReadmeBlock block, string text, IReadOnlyDictionary<string, string?> environment, StringBuilder transcript)
    {
        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = folder,
        };
        start.ArgumentList.Add(await WriteScriptAsync(folder, block, text, keepState: false));
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("OPENSAG_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var output = new ProcessOutput();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start bash");
        output.Attach(process);
        try
        {
            var ready = output.WaitForLineAsync(line => line.StartsWith(block.Argument, StringComparison.Ordinal));
            var first = await Task.WhenAny(ready, process.WaitForExitAsync()).WaitAsync(BackgroundTimeout);
            Assert.True(first == ready, $"README.md block at line {block.Line} ended before printing '{block.Argument}':\n{output.Text}\n{transcript}");
            var line = await ready;
            // A sample answer in the block ("#   online: ClientIp 10.10.0.1, DNS none, session …") must look
            // like the real one, "…" standing for what differs each run.
            var sample = block.Text.Split('\n').Select(l => l.TrimStart('#', ' ')).FirstOrDefault(l => l.StartsWith(block.Argument, StringComparison.Ordinal));
            if (sample is not null)
            {
                Assert.Matches("^" + Regex.Escape(sample).Replace("…", ".+", StringComparison.Ordinal) + "$", line);
            }
        }
        catch (TimeoutException)
        {
            Assert.Fail($"README.md block at line {block.Line} printed no line starting with '{block.Argument}' within {BackgroundTimeout.TotalSeconds} s:\n{output.Text}\n{transcript}");
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync().WaitAsync(BackgroundTimeout);
        }
    }

    private static string FreeLoopbackAddress()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return $"127.0.0.1:{((IPEndPoint)probe.LocalEndPoint!).Port.ToString(CultureInfo.InvariantCulture)}";
    }
}
