using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using OpenSag.Gateway.Security;
using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.Gateway;

/// <summary>
/// A gateway on an address that is not loopback (issue 14, fault 1): serve and connect run in a network namespace of
/// the test's own, where 198.18.7.1 is an address, and connect is given serve's <c>gateway-cert.pem</c>. The
/// certificate used to name only localhost, 127.0.0.1, ::1 and the host name, and connect checked the name against
/// the address it dialled, so it refused the gateway.
/// </summary>
public sealed class NonLoopbackGatewayTests
{
    /// <summary>From the benchmarking range 198.18.0.0/15 (RFC 2544); it exists only inside the test's namespace.</summary>
    private const string GatewayIp = "198.18.7.1";

    [NetworkNamespaceFact]
    public async Task Connect_GatewayListeningOnNonLoopbackAddress_ComesOnlineAndTheCertificateNamesTheAddress()
    {
        await using var network = await NetworkNamespace.CreateAsync("cert");
        await network.AddAddressAsync(GatewayIp + "/24");
        await using var server = await OpenSagServer.StartInNamespaceAsync(network, GatewayIp + ":0");

        Assert.StartsWith(GatewayIp + ":", server.GatewayAddress, StringComparison.Ordinal);
        using (var certificate = X509Certificate2.CreateFromPem(File.ReadAllText(server.GatewayCertificatePath)))
        {
            // So curl and openssl, which check names, accept it too.
            Assert.True(certificate.MatchesHostname(GatewayIp), certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single().Format(multiLine: false));
        }

        await ConnectOnlineAsync(network, server, server.GatewayAddress);
    }

    /// <summary>
    /// A data folder whose certificate was made for another address (here loopback, as an earlier serve did): serve
    /// keeps it, since clients pinned it, and says how to get one that names the address; connect, given the file,
    /// trusts it by its exact bytes, whatever address it dials.
    /// </summary>
    [NetworkNamespaceFact]
    public async Task Connect_CertificateNotNamingTheGatewayAddress_TrustedAsPinnedAndServeSaysHowToRenewIt()
    {
        var dataDir = Directory.CreateTempSubdirectory("opensag-it-").FullName;
        try
        {
            string madeBefore;
            using (var old = GatewayCertificate.LoadOrCreate(dataDir, certPath: null, keyPath: null, IPAddress.Loopback))
            {
                Assert.False(old.MatchesHostname(GatewayIp));
                madeBefore = GatewayCertificate.Fingerprint(old);
            }

            await using var network = await NetworkNamespace.CreateAsync("cert");
            await network.AddAddressAsync(GatewayIp + "/24");
            await using var server = await OpenSagServer.StartInNamespaceAsync(network, GatewayIp + ":0", dataDir);

            Assert.Contains($"SHA-256 {madeBefore})", server.Output, StringComparison.Ordinal);
            // The console logger writes from its own thread, so the warning may follow the listening lines.
            var output = await Polling.UntilAsync(() => Task.FromResult(server.Output), o => o.Contains($"does not name {GatewayIp}", StringComparison.Ordinal),
                OpenSagServer.StartTimeout, "serve's warning that the certificate does not name the gateway address");
            var warning = output.Split('\n').Single(l => l.Contains($"does not name {GatewayIp}", StringComparison.Ordinal));
            Assert.Contains($"delete {GatewayCertificate.CertificateFileName} and {GatewayCertificate.KeyFileName} in {dataDir}", warning, StringComparison.Ordinal);

            await ConnectOnlineAsync(network, server, server.GatewayAddress);
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    /// <summary>Makes an instance and a user through the CLI in the namespace (the API is on its loopback), then connects.</summary>
    private static async Task ConnectOnlineAsync(NetworkNamespace network, OpenSagServer server, string gateway)
    {
        var regionId = "cn-cert-" + Guid.NewGuid().ToString("N")[..8];
        var created = await SmartagAsync(network, server, "CreateSmartAccessGatewaySoftware", "--RegionId", regionId, "--ChargeType", "PREPAY",
            "--Period", "1", "--UserCount", "5", "--DataPlan", "5", "--AutoPay", "true");
        var smartAgId = created.GetProperty("SmartAGId").GetString()!;
        await SmartagAsync(network, server, "ModifySmartAccessGateway", "--RegionId", regionId, "--SmartAGId", smartAgId, "--CidrBlock", "10.10.0.0/24");
        await SmartagAsync(network, server, "CreateSmartAccessGatewayClientUser", "--RegionId", regionId, "--SmartAGId", smartAgId,
            "--UserName", "certuser01", "--Password", GatewayScenario.Password, "--UserMail", "certuser01@example.com", "--Bandwidth", "2000");

        await using var client = ConnectProcess.Start(gateway, server.GatewayCertificatePath, smartAgId, "certuser01", GatewayScenario.Password, inNamespace: network);
        await client.WaitOnlineAsync();
        Assert.True(await client.StopAsync() == 0, client.Output);
    }

    private static async Task<JsonElement> SmartagAsync(NetworkNamespace network, OpenSagServer server, params string[] arguments)
    {
        var result = await network.RunAsync(new Dictionary<string, string?>
        {
            ["OPENSAG_ENDPOINT"] = server.Endpoint.ToString(),
            ["OPENSAG_ACCESS_KEY_ID"] = server.AccessKeyId,
            ["OPENSAG_ACCESS_KEY_SECRET"] = server.AccessKeySecret,
        }, RepositoryLayout.DotnetHost, [RepositoryLayout.ServerAssemblyPath, "smartag", .. arguments]);
        Assert.True(result.ExitCode == 0, $"{result}\n{server.Output}");
        using var document = JsonDocument.Parse(result.Stdout);
        return document.RootElement.Clone();
    }
}
