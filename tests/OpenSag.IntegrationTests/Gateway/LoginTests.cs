using System.Security.Cryptography;

namespace OpenSag.IntegrationTests.Gateway;

/// <summary>
/// Who may be online (DESIGN.md §3–§4): refused logins end <c>opensag connect</c> with 3 and one generic message,
/// disabling or deleting an online user ends its session with 4 and refuses it from then on, and SIGTERM logs out.
/// </summary>
[Collection(SerialGatewayTests.Name)]
public sealed class LoginTests
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Connect_WrongPasswordDisabledDeletedOrUnknownInstance_Exits3WithOneGenericMessageAndNoSession()
    {
        await using var scenario = await GatewayScenario.StartAsync();
        var smartAgId = await scenario.CreateInstanceAsync();
        await scenario.CreateUserAsync(smartAgId, "gina-typo");
        await scenario.CreateUserAsync(smartAgId, "hank-disabled");
        await scenario.CreateUserAsync(smartAgId, "ines-deleted");
        await scenario.UserActionAsync("DisableSmartAccessGatewayUser", smartAgId, "hank-disabled");
        await scenario.UserActionAsync("DeleteSmartAccessGatewayClientUser", smartAgId, "ines-deleted");
        var unknownInstance = "sag-" + RandomNumberGenerator.GetString("abcdefghijklmnopqrstuvwxyz0123456789", 20);

        var attempts = new (string Case, ConnectProcess Client)[]
        {
            ("wrong password", scenario.Connect(smartAgId, "gina-typo", password: "Wr0ng_password")),
            ("disabled user", scenario.Connect(smartAgId, "hank-disabled")),
            ("deleted user", scenario.Connect(smartAgId, "ines-deleted")),
            ("unknown instance", scenario.Connect(unknownInstance, "gina-typo")),
        };
        var exitCodes = await Task.WhenAll(attempts.Select(a => a.Client.WaitForExitAsync(ExitTimeout))).WaitAsync(ExitTimeout * 2);

        var messages = new List<string>();
        for (var i = 0; i < attempts.Length; i++)
        {
            var (what, client) = attempts[i];
            Assert.True(exitCodes[i] == 3, $"{what}: connect exited with {exitCodes[i]}, not 3.\n{client.Output}");
            Assert.DoesNotContain("online:", client.Output, StringComparison.Ordinal);
            var refusal = client.Output.Split('\n').Where(l => l.StartsWith("err: ", StringComparison.Ordinal)).ToArray();
            Assert.True(refusal.Length == 1 && refusal[0].Contains("login refused", StringComparison.Ordinal),
                $"{what}: expected one stderr line saying 'login refused'.\n{client.Output}");
            messages.Add(refusal[0]);
        }

        // One refusal for all four: the answer must not tell which accounts or instances exist.
        Assert.Single(messages.Distinct(StringComparer.Ordinal));
        Assert.Equal(0, await scenario.InstanceOnlineCountAsync(smartAgId));
        foreach (var user in new[] { "gina-typo", "hank-disabled", "ines-deleted" })
        {
            Assert.Equal(0, await scenario.OnlineCountAsync(smartAgId, user));
        }
    }

    [Theory]
    [InlineData("DisableSmartAccessGatewayUser", "the account was disabled")]
    [InlineData("DeleteSmartAccessGatewayClientUser", "the account was deleted")]
    public async Task Connect_UserDisabledOrDeletedWhileOnline_Exits4ThenLoginRefused(string action, string expectedMessage)
    {
        await using var scenario = await GatewayScenario.StartAsync();
        var smartAgId = await scenario.CreateInstanceAsync();
        const string user = "jack-removed";
        await scenario.CreateUserAsync(smartAgId, user);
        var online = await scenario.ConnectOnlineAsync(smartAgId, user);

        await scenario.UserActionAsync(action, smartAgId, user);

        Assert.True(await online.WaitForExitAsync(ExitTimeout) == 4, $"after {action} connect did not exit with 4.\n{online.Output}");
        Assert.Contains(expectedMessage, online.Output, StringComparison.Ordinal);
        Assert.Equal(0, await scenario.OnlineCountAsync(smartAgId, user));

        var later = scenario.Connect(smartAgId, user);
        Assert.True(await later.WaitForExitAsync(ExitTimeout) == 3, $"a login after {action} was not refused with 3.\n{later.Output}");
        Assert.Equal(0, await scenario.OnlineCountAsync(smartAgId, user));
    }

    [Fact]
    public async Task Connect_Sigterm_Exits0AndLeavesOnlineListAtOnce()
    {
        // Default keepalive (15 s): leaving the list within the 2 s below can only be the logout, not a timeout.
        await using var scenario = await GatewayScenario.StartAsync();
        var smartAgId = await scenario.CreateInstanceAsync();
        const string user = "kate-leaves";
        await scenario.CreateUserAsync(smartAgId, user);
        var client = await scenario.ConnectOnlineAsync(smartAgId, user);
        Assert.Equal(1, await scenario.OnlineCountAsync(smartAgId, user));

        var exitCode = await client.StopAsync();

        Assert.True(exitCode == 0, $"connect exited with {exitCode} on SIGTERM.\n{client.Output}");
        await scenario.WaitOnlineCountAsync(smartAgId, user, 0, TimeSpan.FromSeconds(2));
    }
}
