using System.Text.Json;
using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.Packaging;

/// <summary>
/// packaging/opensag.service: systemd accepts it, and its serve command line, run as a non-root user with exactly the
/// unit's capabilities and NoNewPrivileges (setpriv, as systemd would), starts layer 3 and routes through `ip`; without
/// CAP_NET_ADMIN it stops with serve's one-line reason.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ServiceUnitTests
{
    private static readonly string[] SystemdAnalyze = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"];

    private const string GatewayAddress = "198.18.30.1";
    private const string TunName = "osagsvc0";
    private const string Nobody = "65534";

    private static readonly string Unit = File.ReadAllText(PackagingFile.PathOf("opensag.service"));

    [Fact]
    public async Task ServiceUnit_SystemdAnalyzeVerify_NoComplaint()
    {
        var analyze = SystemdAnalyze.FirstOrDefault(File.Exists);
        if (analyze is null)
        {
            Assert.True(string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI")), "CI is set but systemd-analyze (Debian package systemd) is missing");
            return;
        }

        // The binary is not installed here: the same unit with ExecStart's program one that exists.
        var folder = Directory.CreateTempSubdirectory("opensag-unit-").FullName;
        var unit = Path.Combine(folder, "opensag.service");
        File.WriteAllText(unit, Unit.Replace("ExecStart=/usr/local/bin/opensag ", "ExecStart=/bin/true ", StringComparison.Ordinal));

        var result = await OpensagCommand.RunProgramAsync(analyze, ["verify", unit], new Dictionary<string, string?>(), folder);

        Assert.True(result.ExitCode == 0 && result.Stderr.Trim().Length == 0, result.ToString());
        Directory.Delete(folder, recursive: true);
    }

    [NetworkNamespaceFact]
    public async Task ServiceUnit_ServeAsNonRootWithTheUnitsCapabilities_StartsLayer3AndRoutesThroughIp()
    {
        await using var network = await GatewayNamespaceAsync();
        var (arguments, dataDir) = await UnitServeArgumentsAsync();
        try
        {
            await using var server = await OpenSagServer.StartInNamespaceWrappedAsync(network, GatewayAddress + ":0", dataDir, SetPriv(UnitCapabilities()),
                [.. WithoutOption(arguments[1..], "--data")]);
            Assert.Contains($"OpenSAG layer 3 on TUN {TunName}", server.Output, StringComparison.Ordinal);

            // A block in the store is routed at the next start by `ip`, a child of the server: the capability reached it across exec.
            var smartAgId = await SmartagAsync(network, server, "CreateSmartAccessGatewaySoftware", "--RegionId", "cn-svc", "--ChargeType", "PREPAY",
                "--Period", "1", "--UserCount", "5", "--DataPlan", "5", "--AutoPay", "true");
            await SmartagAsync(network, server, "ModifySmartAccessGateway", "--RegionId", "cn-svc", "--SmartAGId", smartAgId, "--CidrBlock", "198.18.110.0/24");
            await server.RestartAsync();
            Assert.Contains("Route 198.18.110.0/24 dev " + TunName + " added", server.Output, StringComparison.Ordinal);
            var routes = await network.RunAsync(new Dictionary<string, string?>(), "ip", "route", "show", "dev", TunName);
            Assert.Contains("198.18.110.0/24", routes.Stdout, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    [NetworkNamespaceFact]
    public async Task ServiceUnit_ServeAsNonRootWithoutNetAdmin_OneLineNamingTheCapability()
    {
        await using var network = await GatewayNamespaceAsync();
        var (arguments, dataDir) = await UnitServeArgumentsAsync();
        try
        {
            var refused = await network.RunAsync(new Dictionary<string, string?>(), "setpriv",
                [.. SetPriv([])[1..], RepositoryLayout.DotnetHost, RepositoryLayout.ServerAssemblyPath, .. arguments,
                    "--api-listen", "127.0.0.1:0", "--gateway-listen", GatewayAddress + ":0"]);

            Assert.Equal(1, refused.ExitCode);
            Assert.Equal($"opensag serve: --tun {TunName}: cannot create the TUN interface {TunName}: permission denied; it needs CAP_NET_ADMIN (run as root or grant the capability)",
                Assert.Single(refused.ErrorLines));
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    /// <summary>The fixture gives --data itself (the same folder), and serve refuses an option given twice.</summary>
    private static IEnumerable<string> WithoutOption(string[] arguments, string option)
    {
        var at = Array.IndexOf(arguments, option);
        return at < 0 ? arguments : arguments[..at].Concat(arguments[(at + 2)..]);
    }

    /// <summary>The unit's capability names as setpriv writes them: CAP_NET_ADMIN → net_admin.</summary>
    private static string[] UnitCapabilities()
    {
        var ambient = PackagingFile.UnitValue(Unit, "AmbientCapabilities").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(ambient, PackagingFile.UnitValue(Unit, "CapabilityBoundingSet").Split(' ', StringSplitOptions.RemoveEmptyEntries));
        return ambient.Select(c => c["CAP_".Length..].ToLowerInvariant()).ToArray();
    }

    /// <summary>setpriv as systemd starts the unit: a non-root user, only <paramref name="capabilities"/>, no new privileges.</summary>
    private static string[] SetPriv(string[] capabilities)
    {
        Assert.Equal("yes", PackagingFile.UnitValue(Unit, "NoNewPrivileges"));
        var set = string.Concat(capabilities.Select(c => ",+" + c));
        return ["setpriv", $"--reuid={Nobody}", $"--regid={Nobody}", "--clear-groups", "--inh-caps=-all" + set, "--ambient-caps=-all" + set,
            "--bounding-set=-all" + set, "--no-new-privs", "--"];
    }

    /// <summary>
    /// ExecStart's arguments ("serve" first) with its config file replaced by one turning layer 3 on, and its data folder by a
    /// fresh one the non-root user owns.
    /// </summary>
    private static async Task<(string[] Arguments, string DataDir)> UnitServeArgumentsAsync()
    {
        var execStart = PackagingFile.UnitValue(Unit, "ExecStart").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["/usr/local/bin/opensag", "serve"], execStart[..2]);
        var folder = Directory.CreateTempSubdirectory("opensag-svc-").FullName;
        var dataDir = Path.Combine(folder, "data");
        Directory.CreateDirectory(dataDir);
        var config = Path.Combine(folder, "opensag.conf");
        File.WriteAllText(config, $"tun = {TunName}\ntunnel-allow = 198.18.40.0/24\n");
        // The folder is 700 root's (CreateTempSubdirectory); the user needs to reach the config and own the data.
        File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.OtherExecute);
        File.SetUnixFileMode(config, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        var chown = await OpensagCommand.RunProgramAsync("chown", [$"{Nobody}:{Nobody}", dataDir], new Dictionary<string, string?>(), null);
        Assert.True(chown.ExitCode == 0, chown.ToString());
        var arguments = execStart[1..].Select(a => a switch
        {
            "/etc/opensag/opensag.conf" => config,
            "/var/lib/opensag" => dataDir,
            _ => a,
        }).ToArray();
        Assert.Contains(config, arguments);
        Assert.Contains(dataDir, arguments);
        return (arguments, dataDir);
    }

    private static async Task<NetworkNamespace> GatewayNamespaceAsync()
    {
        var network = await NetworkNamespace.CreateAsync("svc");
        await network.AddAddressAsync(GatewayAddress + "/24");
        await network.SetSysctlAsync("net/ipv4/ip_forward", "1");
        return network;
    }

    private static async Task<string> SmartagAsync(NetworkNamespace network, OpenSagServer server, params string[] arguments)
    {
        var result = await network.RunAsync(new Dictionary<string, string?>
        {
            ["OPENSAG_ENDPOINT"] = server.Endpoint.ToString(),
            ["OPENSAG_ACCESS_KEY_ID"] = server.AccessKeyId,
            ["OPENSAG_ACCESS_KEY_SECRET"] = server.AccessKeySecret,
        }, RepositoryLayout.DotnetHost, [RepositoryLayout.ServerAssemblyPath, "smartag", .. arguments]);
        Assert.True(result.ExitCode == 0, $"{result}\n{server.Output}");
        using var document = JsonDocument.Parse(result.Stdout);
        return document.RootElement.TryGetProperty("SmartAGId", out var id) ? id.GetString()! : "";
    }
}
