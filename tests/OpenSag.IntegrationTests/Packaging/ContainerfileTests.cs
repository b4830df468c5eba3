using System.Globalization;
using System.Net;
using System.Net.Sockets;
using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.Packaging;

/// <summary>
/// packaging/Containerfile, checked without a container engine (its base images are not reachable from CI): the
/// ENTRYPOINT's serve options are ones serve accepts, with values it takes, and the HEALTHCHECK's command, run here
/// against a real server on the ENTRYPOINT's API port swapped for the server's, passes, and fails with nothing there.
/// </summary>
[Collection(SharedConformanceServer.Name)]
public sealed class ContainerfileTests(ConformanceServerFixture fixture)
{
    private static readonly string Containerfile = File.ReadAllText(PackagingFile.PathOf("Containerfile"));

    /// <summary>One deliberate mistake added: its line must be the only one, so every ENTRYPOINT option passed serve's checks.</summary>
    [Fact]
    public async Task Entrypoint_ServeOptions_AcceptedByServe()
    {
        var entrypoint = PackagingFile.ExecForm(Containerfile, "ENTRYPOINT");
        Assert.Equal(["/usr/local/bin/opensag", "serve"], entrypoint[..2]);

        var result = await OpensagCommand.RunAsync(new Dictionary<string, string?>(), [.. entrypoint[1..], "--keepalive-seconds", "0"]);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Equal("opensag serve: --keepalive-seconds: give 1 to 3600.", Assert.Single(result.ErrorLines));
    }

    /// <summary>The repository records no registry host: every base image comes from the DOTNET_IMAGES build argument.</summary>
    [Fact]
    public void From_EveryBaseImage_FromTheBuildArgumentNotANamedRegistry()
    {
        var froms = Containerfile.Split('\n').Where(l => l.StartsWith("FROM ", StringComparison.Ordinal)).ToArray();

        Assert.Equal(2, froms.Length);
        Assert.All(froms, from => Assert.StartsWith("FROM ${DOTNET_IMAGES}/", from, StringComparison.Ordinal));
        Assert.Contains("\nARG DOTNET_IMAGES\n", Containerfile, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Healthcheck_AgainstTheServersApiPort_PassesAndFailsWithNothingListening()
    {
        var entrypoint = PackagingFile.ExecForm(Containerfile, "ENTRYPOINT");
        var apiPort = entrypoint[Array.IndexOf(entrypoint, "--api-listen") + 1].Split(':')[^1];
        var gatewayPort = entrypoint[Array.IndexOf(entrypoint, "--gateway-listen") + 1].Split(':')[^1];
        Assert.Contains($"EXPOSE {apiPort}/tcp {gatewayPort}/tcp {gatewayPort}/udp", Containerfile, StringComparison.Ordinal);
        Assert.Contains("VOLUME /var/lib/opensag", Containerfile, StringComparison.Ordinal);
        var healthcheck = PackagingFile.ExecForm(Containerfile, "HEALTHCHECK");
        Assert.Contains($"/dev/tcp/127.0.0.1/{apiPort} ", healthcheck[^1], StringComparison.Ordinal);

        var healthy = await RunAsync(healthcheck, apiPort, fixture.Server.Port);
        Assert.True(healthy.ExitCode == 0, healthy.ToString());

        using var closed = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        closed.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var unhealthy = await RunAsync(healthcheck, apiPort, ((IPEndPoint)closed.LocalEndPoint!).Port);
        Assert.NotEqual(0, unhealthy.ExitCode);
    }

    private static Task<OpensagCommand.Result> RunAsync(string[] healthcheck, string apiPort, int port) =>
        OpensagCommand.RunProgramAsync(healthcheck[0],
            [.. healthcheck[1..^1], healthcheck[^1].Replace($"/{apiPort} ", $"/{port.ToString(CultureInfo.InvariantCulture)} ", StringComparison.Ordinal)],
            new Dictionary<string, string?>(), null);
}
