using System.Globalization;
using System.Net;
using System.Net.Sockets;
using OpenSag.IntegrationTests.Gateway;
using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.Layer3;

/// <summary>
/// The client's side of layer 3 (<c>opensag connect --tun</c>, issue 11) in the <see cref="Layer3Lab"/>'s namespaces:
/// each transport carries packets to the private network with the session's ClientIp as their source, auto switches
/// to TLS when UDP does not get through and says so, and every way the client ends (a kick, SIGTERM, a gateway without
/// --tun) leaves no interface behind.
/// </summary>
public sealed class ConnectTunTests
{
    /// <summary>How long auto may take to say it switched: its 3 s wait for a UDP answer, plus a TLS handshake, with room.</summary>
    private static readonly TimeSpan FallbackTimeout = TimeSpan.FromSeconds(15);

    [NetworkNamespaceFact]
    public Task ConnectTun_Udp_CarriesUdpFromTheClientIpAndSigtermRemovesTheInterface() => CarryAndStopAsync("udp");

    [NetworkNamespaceFact]
    public Task ConnectTun_Tls_CarriesUdpFromTheClientIpAndSigtermRemovesTheInterface() => CarryAndStopAsync("tls");

    private static async Task CarryAndStopAsync(string transport)
    {
        await using var lab = await Layer3Lab.CreateAsync(gateways: 1, clients: 1);
        var gateway = await lab.StartGatewayAsync();
        var smartAgId = await gateway.CreateInstanceAsync(Layer3Lab.CidrBlock);
        await gateway.CreateUserAsync(smartAgId, "tunuser01");

        var client = await lab.ConnectTunAsync(0, gateway, smartAgId, "tunuser01", transport);

        Assert.Equal("opensag0", client.Interface);
        using (var udp = lab.ClientSocket(0, SocketType.Dgram, ProtocolType.Udp))
        {
            await Layer3Traffic.EchoAsync(udp, count: 5, size: 1000);
        }

        var clientIp = IPAddress.Parse(client.ClientIp!);
        Assert.Equal(5, lab.Udp.Arrivals.Count(a => a.Source.Equals(clientIp)));
        Assert.DoesNotContain("carrying packets over TLS", client.Output, StringComparison.Ordinal);

        Assert.True(await client.StopAsync() == 0, client.Output);
        Assert.False(await lab.HasInterfaceAsync(0, "opensag0"), "the interface outlived the client");
        Assert.Equal(0, await gateway.OnlineCountAsync(smartAgId, "tunuser01"));
    }

    /// <summary>
    /// UDP to the gateway's port is blackholed in the client's namespace (a routing rule: this machine has no
    /// firewall tools), so the first keepalive gets no answer: auto says so in one line and carries packets over TLS,
    /// already when it says "online:" (the first echo, sent at once and never retried, would otherwise go into the
    /// blackhole during the 3 s wait).
    /// </summary>
    [NetworkNamespaceFact]
    public async Task ConnectTun_AutoWithUdpBlocked_SwitchesToTlsBeforeOnlineSayingSoAndCarriesPackets()
    {
        await using var lab = await Layer3Lab.CreateAsync(gateways: 1, clients: 1);
        var gateway = await lab.StartGatewayAsync();
        var smartAgId = await gateway.CreateInstanceAsync(Layer3Lab.CidrBlock);
        await gateway.CreateUserAsync(smartAgId, "tunuser01");
        await lab.ClientNamespaces[0].IpAsync("rule", "add", "ipproto", "udp", "dport", Layer3Lab.GatewayPort.ToString(CultureInfo.InvariantCulture), "blackhole");

        var client = await lab.ConnectTunAsync(0, gateway, smartAgId, "tunuser01", "auto");

        using (var udp = lab.ClientSocket(0, SocketType.Dgram, ProtocolType.Udp))
        {
            await Layer3Traffic.EchoAsync(udp, count: 5, size: 1000, describe: lab.Describe);
        }

        Assert.Equal(5, lab.Udp.Arrivals.Count(a => a.Source.Equals(IPAddress.Parse(client.ClientIp!))));
        var line = await client.WaitForErrorLineAsync("carrying packets over TLS", FallbackTimeout);
        Assert.Equal($"opensag connect: no UDP answer from {Layer3Lab.GatewayIp(0)}:{Layer3Lab.GatewayPort} within 3 s; carrying packets over TLS", line);
    }

    [NetworkNamespaceFact]
    public async Task ConnectTun_Kicked_ExitsFourAndTheInterfaceIsGone()
    {
        await using var lab = await Layer3Lab.CreateAsync(gateways: 1, clients: 1);
        var gateway = await lab.StartGatewayAsync();
        var smartAgId = await gateway.CreateInstanceAsync(Layer3Lab.CidrBlock);
        await gateway.CreateUserAsync(smartAgId, "tunuser01");
        var client = await lab.ConnectTunAsync(0, gateway, smartAgId, "tunuser01", "udp");
        Assert.True(await lab.HasInterfaceAsync(0, "opensag0"));

        await gateway.KickOutAsync(smartAgId, "tunuser01");

        Assert.True(await client.WaitForExitAsync(ConnectProcess.StopTimeout) == 4, client.Output);
        Assert.False(await lab.HasInterfaceAsync(0, "opensag0"), "the interface outlived the kicked client");
    }

    /// <summary>
    /// The gateway crashes and comes back (the client sees its connection reset, as on a network failure): the client
    /// keeps its interface (the same link, so programs keep their sockets), resumes, and carries packets again under the
    /// new session's fresh keys.
    /// </summary>
    [NetworkNamespaceFact]
    public async Task ConnectTun_GatewayRestarted_KeepsTheInterfaceAndCarriesPacketsOnTheNewSession()
    {
        await using var lab = await Layer3Lab.CreateAsync(gateways: 1, clients: 1);
        var gateway = await lab.StartGatewayAsync();
        var smartAgId = await gateway.CreateInstanceAsync(Layer3Lab.CidrBlock);
        await gateway.CreateUserAsync(smartAgId, "tunuser01");
        var client = await lab.ConnectTunAsync(0, gateway, smartAgId, "tunuser01", "udp");
        var firstSession = client.SessionId;
        using var udp = lab.ClientSocket(0, SocketType.Dgram, ProtocolType.Udp);
        await Layer3Traffic.EchoAsync(udp, count: 2, size: 1000);
        var link = await LinkLineAsync(lab);

        await gateway.Server.RestartAsync(graceful: false);
        await client.WaitOnlineAsync(occurrence: 2);

        Assert.NotEqual(firstSession, client.SessionId);
        Assert.Equal(link, await LinkLineAsync(lab));
        await Layer3Traffic.EchoAsync(udp, count: 2, size: 1000, firstSequence: 2);
        Assert.Equal(4, lab.Udp.Arrivals.Count(a => a.Source.Equals(IPAddress.Parse(client.ClientIp!))));
    }

    /// <summary>
    /// The user's AppDNS goes to the interface where systemd-resolved runs; either way one line says what became of it,
    /// and --no-dns leaves DNS alone without a word.
    /// </summary>
    [NetworkNamespaceFact]
    public async Task ConnectTun_AppDns_OneLineSaysWhatBecameOfTheServersUnlessNoDns()
    {
        await using var lab = await Layer3Lab.CreateAsync(gateways: 1, clients: 1);
        var gateway = await lab.StartGatewayAsync();
        var smartAgId = await gateway.CreateInstanceAsync(Layer3Lab.CidrBlock);
        await gateway.CreateUserAsync(smartAgId, "tunuser01");
        await gateway.CallOkAsync("ModifyClientUserDNS", new() { ["SmartAGId"] = smartAgId, ["AppDNS.1"] = "198.18.200.53" });

        await using (var client = ConnectProcess.Start(gateway.Server.GatewayAddress, gateway.Server.GatewayCertificatePath, smartAgId, "tunuser01",
            GatewayScenario.Password, inNamespace: lab.ClientNamespaces[0], extraArguments: ["--tun", "--transport", "udp"]))
        {
            await client.WaitOnlineAsync();
            var line = await client.WaitForErrorLineAsync("198.18.200.53", ConnectProcess.OnlineTimeout);
            Assert.StartsWith("opensag connect: ", line, StringComparison.Ordinal);
            Assert.True(await client.StopAsync() == 0, client.Output);
            Assert.Single(client.Output.Split('\n'), l => l.Contains("198.18.200.53", StringComparison.Ordinal) && l.StartsWith("err: ", StringComparison.Ordinal));
        }

        var quiet = await lab.ConnectTunAsync(0, gateway, smartAgId, "tunuser01", "udp");
        Assert.True(await quiet.StopAsync() == 0, quiet.Output);
        Assert.DoesNotContain("err:", quiet.Output, StringComparison.Ordinal);
    }

    /// <summary>
    /// A gateway without --tun refuses the login as tun-unavailable: the client says the gateway's words and exits 1
    /// (not 3: the account is fine), and the interface it made before logging in is gone. The interface is made
    /// first so that a missing privilege fails before a password is sent, which is why this test needs a namespace.
    /// </summary>
    [NetworkNamespaceFact]
    public async Task ConnectTun_GatewayWithoutTun_ExitsOneWithTheGatewaysMessageAndNoInterface()
    {
        await using var lab = await Layer3Lab.CreateAsync(gateways: 1, clients: 1);
        var listen = Layer3Lab.GatewayIp(0) + ":" + Layer3Lab.GatewayPort.ToString(CultureInfo.InvariantCulture);
        var gateway = lab.Adopt(await OpenSagServer.StartInNamespaceAsync(lab.GatewayNamespaces[0], listen, null, "--tunnel-allow", Layer3Lab.PrivateNetwork));
        var smartAgId = await gateway.CreateInstanceAsync(Layer3Lab.CidrBlock);
        await gateway.CreateUserAsync(smartAgId, "tunuser01");

        await using var client = ConnectProcess.Start(gateway.Server.GatewayAddress, gateway.Server.GatewayCertificatePath, smartAgId, "tunuser01",
            GatewayScenario.Password, inNamespace: lab.ClientNamespaces[0], extraArguments: ["--tun", "--no-dns"]);

        Assert.True(await client.WaitForExitAsync(ConnectProcess.OnlineTimeout) == 1, client.Output);
        var line = Assert.Single(client.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.StartsWith("err: opensag connect: ", line, StringComparison.Ordinal);
        Assert.Contains("without --tun", line, StringComparison.Ordinal);
        Assert.False(await lab.HasInterfaceAsync(0, "opensag0"), "the interface outlived the refused client");
    }

    /// <summary>The client's interface as <c>ip -o link</c> names it: its index, name and flags, which a re-created link would change.</summary>
    private static async Task<string> LinkLineAsync(Layer3Lab lab)
    {
        var shown = await lab.ClientNamespaces[0].RunAsync(new Dictionary<string, string?>(), "ip", "-o", "link", "show", "dev", "opensag0");
        Assert.True(shown.ExitCode == 0, shown.ToString());
        return shown.Stdout.Split('\\')[0];
    }
}
