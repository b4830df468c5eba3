using OpenSag.IntegrationTests.Gateway;
using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.Layer3;

/// <summary>
/// <c>opensag connect</c> runs socket completions inline on the runtime's socket event-loop threads, so the login's
/// continuation, which configures the interface with <c>ip</c>, runs on one of them. The tool runner read <c>ip</c>'s
/// output with async pipe reads, which complete on those same threads: whenever the pipe landed on the blocked
/// thread's engine (about half the starts on 2 cores, every start with one event-loop thread), <c>connect --tun</c>
/// hung before "online" with its address set and no route. Pinned to one event-loop thread here, so the test does not
/// depend on which engine a pipe lands on.
/// </summary>
public sealed class ConnectTunEventLoopTests
{
    [NetworkNamespaceFact]
    public async Task ConnectTun_OneSocketEventLoopThread_ComesOnlineAndCarriesPing()
    {
        await using var lab = await Layer3Lab.CreateAsync(gateways: 1, clients: 1);
        var gateway = await lab.StartGatewayAsync();
        var smartAgId = await gateway.CreateInstanceAsync(Layer3Lab.CidrBlock);
        await gateway.CreateUserAsync(smartAgId, "tunuser01");

        await using var client = ConnectProcess.Start(gateway.Server.GatewayAddress, gateway.Server.GatewayCertificatePath, smartAgId, "tunuser01",
            GatewayScenario.Password, inNamespace: lab.ClientNamespaces[0], extraArguments: ["--tun", "--transport", "udp", "--no-dns"],
            environment: new Dictionary<string, string> { ["DOTNET_SYSTEM_NET_SOCKETS_THREAD_COUNT"] = "1" });

        await client.WaitOnlineAsync();
        var (sent, received, output) = await lab.PingAsync(0, 5);
        Assert.True(sent == 5 && received == sent, output);
    }
}
