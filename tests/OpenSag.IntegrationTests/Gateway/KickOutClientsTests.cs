using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using OpenSag.Client;
using OpenSag.Gateway.Protocol;
using Xunit.Abstractions;

namespace OpenSag.IntegrationTests.Gateway;

/// <summary>
/// KickOutClients for real (issue 3 §5, DESIGN.md §3): it ends every session of that user on that instance —
/// the clients exit with 4 and their tunnels stop — touches nobody else, revokes the session credentials, and
/// is not a ban.
/// </summary>
[Collection(SerialGatewayTests.Name)]
public sealed class KickOutClientsTests(ITestOutputHelper output)
{
    /// <summary>A kicked client is told at once; this bounds the goodbye plus the process's own shutdown.</summary>
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task KickOutClients_SeveralSessionsOfOneUser_EndsExactlyThoseSessionsAndSparesBystanders()
    {
        await using var scenario = await GatewayScenario.StartAsync();
        var first = await scenario.CreateInstanceAsync("10.10.0.0/24");
        var second = await scenario.CreateInstanceAsync("10.20.0.0/24");
        const string target = "alice-kicked";
        const string bystander = "bob-bystander";
        await scenario.CreateUserAsync(first, target);
        await scenario.CreateUserAsync(first, bystander);
        await scenario.CreateUserAsync(second, target);
        string[] echo = [scenario.Echo.Destination];

        var startingKicked = Enumerable.Range(0, 3).Select(_ => scenario.ConnectOnlineAsync(first, target, echo)).ToArray();
        var startingBob = scenario.ConnectOnlineAsync(first, bystander, echo);
        var startingNamesake = scenario.ConnectOnlineAsync(second, target, echo);
        var kicked = await Task.WhenAll(startingKicked).WaitAsync(ConnectProcess.OnlineTimeout * 2);
        var bob = await startingBob.WaitAsync(ConnectProcess.OnlineTimeout);
        var namesake = await startingNamesake.WaitAsync(ConnectProcess.OnlineTimeout);

        // The same user in-process too, with a tunnel held open: the kick must close it from the gateway's side.
        await using var library = await ClientSession.LoginAsync(scenario.ClientOptions(first, target), null, CancellationToken.None)
            .WaitAsync(ConnectProcess.OnlineTimeout);
        var libraryEnded = library.RunAsync(CancellationToken.None);
        using var heldTunnel = await library.OpenTunnelAsync(scenario.Echo.Destination, CancellationToken.None).WaitAsync(TunnelTraffic.ProbeTimeout);
        await AssertTunnelEchoesAsync(heldTunnel);

        foreach (var client in kicked.Append(bob).Append(namesake))
        {
            Assert.True(await TunnelTraffic.EchoesAsync(client.ForwardPorts[0], TunnelTraffic.ProbeTimeout), $"before the kick, the forward of {client} does not echo.\n{client.Output}");
        }

        // Each session has its own address from the instance's block.
        var addresses = kicked.Select(c => c.ClientIp!).Append(library.Online.ClientIp).ToArray();
        Assert.Equal(addresses.Length, addresses.Distinct().Count());
        Assert.All(addresses, ip => Assert.True(IPNetwork.Parse("10.10.0.0/24").Contains(IPAddress.Parse(ip)), $"ClientIp {ip} is outside 10.10.0.0/24"));
        var listed = await scenario.OnlineClientsAsync(first, target);
        Assert.Equal(addresses.Order(StringComparer.Ordinal), listed.Select(c => c.ClientIp).Order(StringComparer.Ordinal));

        var clock = Stopwatch.StartNew();
        await scenario.KickOutAsync(first, target);
        var answered = clock.Elapsed;
        var exitCodes = await Task.WhenAll(kicked.Select(c => c.WaitForExitAsync(ExitTimeout))).WaitAsync(ExitTimeout * 2);
        var allExited = clock.Elapsed;
        output.WriteLine($"KickOutClients answered after {answered.TotalMilliseconds:0} ms; the last of {kicked.Length} kicked connect processes exited after {allExited.TotalMilliseconds:0} ms.");

        for (var i = 0; i < kicked.Length; i++)
        {
            Assert.True(exitCodes[i] == 4, $"{kicked[i]} exited with {exitCodes[i]}, not 4.\n{kicked[i].Output}");
            Assert.Contains("err: opensag connect: kicked out by administrator", kicked[i].Output, StringComparison.Ordinal);
            Assert.False(await TunnelTraffic.EchoesAsync(kicked[i].ForwardPorts[0], TimeSpan.FromSeconds(2)), $"the forward of kicked {kicked[i]} still carries traffic.");
        }

        var closing = await libraryEnded.WaitAsync(ExitTimeout);
        Assert.Equal(CloseReasons.KickedOut, closing.Reason);
        Assert.False(closing.Reconnect, "a kicked client must be told not to reconnect");
        await AssertTunnelEndedAsync(heldTunnel);

        Assert.Empty(await scenario.OnlineClientsAsync(first, target));
        Assert.Equal(0, await scenario.OnlineCountAsync(first, target));
        Assert.Single(await scenario.OnlineClientsAsync(first, bystander));
        Assert.Single(await scenario.OnlineClientsAsync(second, target));
        foreach (var survivor in new[] { bob, namesake })
        {
            Assert.False(survivor.HasExited, $"bystander {survivor} exited.\n{survivor.Output}");
            Assert.True(await TunnelTraffic.EchoesAsync(survivor.ForwardPorts[0], TunnelTraffic.ProbeTimeout), $"after the kick, the forward of bystander {survivor} does not echo.\n{survivor.Output}");
        }
    }

    [Fact]
    public async Task KickOutClients_ThenLogin_FreshLoginAcceptedAndOldTokenRefused()
    {
        await using var scenario = await GatewayScenario.StartAsync();
        var smartAgId = await scenario.CreateInstanceAsync();
        const string user = "carol-returns";
        await scenario.CreateUserAsync(smartAgId, user);
        var options = scenario.ClientOptions(smartAgId, user);

        var process = await scenario.ConnectOnlineAsync(smartAgId, user);
        var old = await ClientSession.LoginAsync(options, null, CancellationToken.None).WaitAsync(ConnectProcess.OnlineTimeout);
        var oldToken = old.Online.Token;
        var oldEnded = old.RunAsync(CancellationToken.None);
        await scenario.WaitOnlineCountAsync(smartAgId, user, 2, TimeSpan.FromSeconds(5));

        await scenario.KickOutAsync(smartAgId, user);

        Assert.Equal(4, await process.WaitForExitAsync(ExitTimeout));
        Assert.Equal(CloseReasons.KickedOut, (await oldEnded.WaitAsync(ExitTimeout)).Reason);

        // The old credential is dead for tunnels and for resuming.
        var tunnel = await Assert.ThrowsAsync<TunnelRefusedException>(() => old.OpenTunnelAsync(scenario.Echo.Destination, CancellationToken.None).WaitAsync(TunnelTraffic.ProbeTimeout));
        Assert.Equal(401, tunnel.Status);
        await old.DisposeAsync();
        var resume = await Assert.ThrowsAsync<LoginRefusedException>(() => ClientSession.LoginAsync(options, new SessionResume(oldToken, null), CancellationToken.None).WaitAsync(ConnectProcess.OnlineTimeout));
        Assert.Equal(CloseReasons.KickedOut, resume.Reason);
        Assert.Equal(0, await scenario.OnlineCountAsync(smartAgId, user));

        // Not a ban: a fresh login with the password works, in the app and in the library, and tunnels again.
        var again = await scenario.ConnectOnlineAsync(smartAgId, user, [scenario.Echo.Destination]);
        Assert.True(await TunnelTraffic.EchoesAsync(again.ForwardPorts[0], TunnelTraffic.ProbeTimeout), $"after a fresh login the forward does not echo.\n{again.Output}");
        await using var fresh = await ClientSession.LoginAsync(options, null, CancellationToken.None).WaitAsync(ConnectProcess.OnlineTimeout);
        Assert.NotEqual(oldToken, fresh.Online.Token);
        Assert.Equal(2, await scenario.OnlineCountAsync(smartAgId, user));
    }

    private static async Task AssertTunnelEchoesAsync(WebSocket tunnel)
    {
        var hello = "hello"u8.ToArray();
        await tunnel.SendAsync(hello, WebSocketMessageType.Binary, endOfMessage: true, CancellationToken.None).WaitAsync(TunnelTraffic.ProbeTimeout);
        var buffer = new byte[hello.Length];
        for (var total = 0; total < buffer.Length;)
        {
            var result = await tunnel.ReceiveAsync(buffer.AsMemory(total), CancellationToken.None).AsTask().WaitAsync(TunnelTraffic.ProbeTimeout);
            Assert.Equal(WebSocketMessageType.Binary, result.MessageType);
            total += result.Count;
        }

        Assert.Equal(hello, buffer);
    }

    /// <summary>A tunnel the gateway closed: the next receive ends (close frame, abort or reset) instead of waiting.</summary>
    private static async Task AssertTunnelEndedAsync(WebSocket tunnel)
    {
        var buffer = new byte[1024];
        try
        {
            var result = await tunnel.ReceiveAsync(buffer, CancellationToken.None).WaitAsync(ExitTimeout);
            Assert.Equal(WebSocketMessageType.Close, result.MessageType);
        }
        catch (Exception e) when (e is WebSocketException or IOException)
        {
            // Aborted by the gateway: ended, which is what counts.
        }
    }
}
