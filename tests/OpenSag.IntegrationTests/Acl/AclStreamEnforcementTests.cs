using System.Globalization;
using System.Net.Sockets;
using System.Security.Cryptography;
using OpenSag.IntegrationTests.Gateway;
using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.Acl;

/// <summary>
/// ACL rules on stream tunnels with real <c>opensag connect</c> clients (issue 12 item 4, DESIGN.md §6): a rule written
/// through the API is in force for live sessions when the API answers, ends the live streams it forbids, refuses new
/// ones with the tunnel policy's refusal, and leaves everything else alone.
/// </summary>
[Collection(SerialGatewayTests.Name)]
public sealed class AclStreamEnforcementTests
{
    /// <summary>
    /// Bound on a live stream noticing that the gateway ended it (loopback: milliseconds). Under the gateway's 10 s
    /// reconcile, so it is the change notice applied before the API answered that ends the stream in time.
    /// </summary>
    private static readonly TimeSpan EndTimeout = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task DropRule_OnTheDestinationPort_EndsTheLiveStreamAndRefusesNewOnes()
    {
        await using var scenario = await GatewayScenario.StartAsync();
        var smartAgId = await scenario.CreateInstanceAsync();
        const string user = "acl-drop-live";
        await scenario.CreateUserAsync(smartAgId, user);
        var aclId = await scenario.CreateAssociatedAclAsync(smartAgId, "streams-drop");
        var client = await scenario.ConnectOnlineAsync(smartAgId, user, [scenario.Echo.Destination]);
        using var live = await OpenLiveStreamAsync(client);

        var acrId = await scenario.AddRuleAsync(aclId, "out", "drop", "TCP", "127.0.0.1/32", EchoPorts(scenario));

        // The API answered after the gateway applied the rule: the live stream is already being torn down.
        Assert.True(await TunnelTraffic.EndsAsync(live, EndTimeout), $"the live stream to the echo port still carries bytes after a drop rule on that port.\n{client.Output}\n{scenario.Server.Output}");
        // Not silently: the client says which stream ended and by which rule, as it does for a refused new one, and
        // the gateway's log names the destination and the rule.
        var destination = scenario.Echo.Destination;
        var closed = await client.WaitForErrorLineAsync($"tunnel to {destination} closed: ", EndTimeout);
        Assert.Equal($"opensag connect: tunnel to {destination} closed: {destination} is now refused by the instance's ACL (rule {acrId})", closed);
        Assert.Single(client.Output.Split('\n'), l => l.Contains($"tunnel to {destination} closed: ", StringComparison.Ordinal));
        await Polling.UntilAsync(() => Task.FromResult(scenario.Server.Output),
            o => o.Contains($"tunnel to {destination} closed: the instance's ACL now refuses it (rule {acrId})", StringComparison.Ordinal),
            EndTimeout, "the gateway's line for the closed stream");
        Assert.False(await TunnelTraffic.EchoesAsync(client.ForwardPorts[0], TunnelTraffic.ProbeTimeout), $"a new stream to the dropped port echoed.\n{client.Output}");
        var refusal = await client.WaitForErrorLineAsync($"{scenario.Echo.Destination} refused", TunnelTraffic.ProbeTimeout);
        Assert.Contains("ACL", refusal, StringComparison.Ordinal);
        // A refused stream is not a refused session.
        Assert.False(client.HasExited, $"connect exited after its stream was refused.\n{client.Output}");
        Assert.Equal(1, await scenario.OnlineCountAsync(smartAgId, user));
    }

    [Fact]
    public async Task Rules_HigherPriorityAcceptAndOtherPorts_StreamCarriesOn()
    {
        await using var scenario = await GatewayScenario.StartAsync();
        var smartAgId = await scenario.CreateInstanceAsync();
        const string user = "acl-accept-live";
        await scenario.CreateUserAsync(smartAgId, user);
        var aclId = await scenario.CreateAssociatedAclAsync(smartAgId, "streams-accept");
        var client = await scenario.ConnectOnlineAsync(smartAgId, user, [scenario.Echo.Destination]);
        using var live = await OpenLiveStreamAsync(client);

        // A drop on another port, and a drop of the echo port overridden by an accept of priority 1 (first).
        var otherPort = scenario.Echo.Port == 65535 ? 65534 : scenario.Echo.Port + 1;
        await scenario.AddRuleAsync(aclId, "out", "drop", "TCP", "127.0.0.1/32", $"{otherPort}/{otherPort}");
        await scenario.AddRuleAsync(aclId, "out", "accept", "TCP", "127.0.0.1/32", EchoPorts(scenario), priority: 1);
        await scenario.AddRuleAsync(aclId, "out", "drop", "TCP", "0.0.0.0/0", "-1/-1", priority: 2);

        Assert.True(await TunnelTraffic.EchoesAsync(live, TunnelTraffic.ProbeTimeout), $"the live stream stopped though a priority-1 accept covers it.\n{client.Output}\n{scenario.Server.Output}");
        Assert.True(await TunnelTraffic.EchoesAsync(client.ForwardPorts[0], TunnelTraffic.ProbeTimeout), $"a new stream was refused though a priority-1 accept covers it.\n{client.Output}");
    }

    [Fact]
    public async Task Disassociate_AfterADrop_NewStreamsWorkAgain()
    {
        await using var scenario = await GatewayScenario.StartAsync();
        var smartAgId = await scenario.CreateInstanceAsync();
        const string user = "acl-lifted";
        await scenario.CreateUserAsync(smartAgId, user);
        var aclId = await scenario.CreateAssociatedAclAsync(smartAgId, "streams-lifted");
        await scenario.AddRuleAsync(aclId, "in", "drop", "ALL", "0.0.0.0/0", "-1/-1", sourceCidr: "127.0.0.1/32");
        var client = await scenario.ConnectOnlineAsync(smartAgId, user, [scenario.Echo.Destination]);

        // An "in" rule refuses a stream too: its replies would come from the dropped source.
        Assert.False(await TunnelTraffic.EchoesAsync(client.ForwardPorts[0], TunnelTraffic.ProbeTimeout), $"a stream echoed though an in rule drops its replies.\n{client.Output}");

        await scenario.DisassociateAsync(aclId, smartAgId);

        Assert.True(await TunnelTraffic.EchoesAsync(client.ForwardPorts[0], TunnelTraffic.ProbeTimeout), $"streams still refused after DisassociateACL.\n{client.Output}\n{scenario.Server.Output}");
    }

    private static string EchoPorts(GatewayScenario scenario) =>
        string.Create(CultureInfo.InvariantCulture, $"{scenario.Echo.Port}/{scenario.Echo.Port}");

    /// <summary>A connection through the forward whose tunnel is up: one echo has come back through it.</summary>
    private static async Task<Socket> OpenLiveStreamAsync(ConnectProcess client)
    {
        var socket = await TunnelTraffic.ConnectAsync(client.ForwardPorts[0]);
        Assert.True(await TunnelTraffic.EchoesAsync(socket, TunnelTraffic.ProbeTimeout), $"the first echo through the forward did not come back.\n{client.Output}");
        return socket;
    }
}
