using System.Net;
using OpenSag.IntegrationTests.Gateway;
using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.WebConsole;

/// <summary>
/// The instance's online sessions in the console (issue 13 item 1): every live <c>opensag connect</c> listed with its
/// session id and user; a kick per user and a disconnect per session end them (the clients exit 4), audited.
/// </summary>
[Collection(SerialGatewayTests.Name)]
public sealed class ConsoleSessionsTests
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Sessions_TwoLiveClients_ListedThenDisconnectedAndKickedFromTheConsole_ClientsExit4()
    {
        await using var scenario = await GatewayScenario.StartAsync();
        var smartAgId = await scenario.CreateInstanceAsync();
        await scenario.CreateUserAsync(smartAgId, "session.alice");
        await scenario.CreateUserAsync(smartAgId, "session.bob");
        var alice = await scenario.ConnectOnlineAsync(smartAgId, "session.alice");
        var bob = await scenario.ConnectOnlineAsync(smartAgId, "session.bob");
        using var console = new ConsoleClient(scenario.Server.ConsoleEndpoint!);
        await console.SignInAsync(scenario.Server);
        var path = $"/instances/{smartAgId}/sessions";

        var listed = await console.PageAsync(path);
        Assert.Contains("data-test=\"sessions-table\"", listed, StringComparison.Ordinal);
        Assert.Contains($"data-test=\"session-row\" data-session=\"{alice.SessionId}\" data-user=\"session.alice\"", listed, StringComparison.Ordinal);
        Assert.Contains($"data-test=\"session-row\" data-session=\"{bob.SessionId}\" data-user=\"session.bob\"", listed, StringComparison.Ordinal);
        Assert.Contains(alice.ClientIp!, listed, StringComparison.Ordinal);

        using (var disconnected = await console.PostFormAsync(path, path + "?handler=disconnect", new Dictionary<string, string> { ["SessionId"] = bob.SessionId! }))
        {
            Assert.Equal(path, disconnected.Headers.Location?.OriginalString);
        }

        Assert.Equal(4, await bob.WaitForExitAsync(ExitTimeout));
        var afterDisconnect = await console.PageAsync(path);
        Assert.Equal($"Disconnected session {bob.SessionId}.", ConsoleClient.TestText(afterDisconnect, "flash"));
        Assert.DoesNotContain("data-user=\"session.bob\"", afterDisconnect, StringComparison.Ordinal);
        Assert.False(alice.HasExited, alice.Output);

        using (var again = await console.PostFormAsync(path, path + "?handler=disconnect", new Dictionary<string, string> { ["SessionId"] = bob.SessionId! }))
        {
            Assert.StartsWith("No such session is online", ConsoleClient.TestText(await console.PageAsync(path), "error"), StringComparison.Ordinal);
        }

        using (var kicked = await console.PostFormAsync(path, path + "?handler=kick", new Dictionary<string, string> { ["UserName"] = "session.alice" }))
        {
            Assert.Equal(HttpStatusCode.Redirect, kicked.StatusCode);
        }

        Assert.Equal(4, await alice.WaitForExitAsync(ExitTimeout));
        var empty = await console.PageAsync(path);
        Assert.Equal("Kicked session.alice: their sessions were closed.", ConsoleClient.TestText(empty, "flash"));
        Assert.DoesNotContain("data-test=\"session-row\"", empty, StringComparison.Ordinal);

        var audit = await console.PageAsync("/audit?instance=" + smartAgId);
        Assert.Contains($"data-test=\"audit-row\" data-action=\"DisconnectSession\" data-outcome=\"Success\"", audit, StringComparison.Ordinal);
        Assert.Contains($"data-test=\"audit-row\" data-action=\"KickOutClients\" data-outcome=\"Success\"", audit, StringComparison.Ordinal);
        Assert.Contains(bob.SessionId!, audit, StringComparison.Ordinal);
    }
}
