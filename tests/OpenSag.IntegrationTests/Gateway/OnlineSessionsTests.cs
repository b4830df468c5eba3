using System.Text.Json;
using OpenSag.IntegrationTests.Support;
using Xunit.Abstractions;

namespace OpenSag.IntegrationTests.Gateway;

/// <summary>
/// The operators' list of an instance's sessions and the per-session disconnect (issue 13 item 1), through OpenSAG's
/// own actions at <c>/opensag</c> on a real server with real <c>opensag connect</c> clients.
/// </summary>
[Collection(SerialGatewayTests.Name)]
public sealed class OnlineSessionsTests(ITestOutputHelper output)
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task DescribeOnlineSessions_SessionsOfTwoUsers_ListsEveryOneWithNodeAddressesAndBytesEachWay()
    {
        await using var scenario = await GatewayScenario.StartAsync();
        var sag = await scenario.CreateInstanceAsync("10.40.0.0/24");
        var other = await scenario.CreateInstanceAsync("10.41.0.0/24");
        await scenario.CreateUserAsync(sag, "alice-listed");
        await scenario.CreateUserAsync(sag, "bobby-listed");
        await scenario.CreateUserAsync(other, "alice-listed");
        string[] echo = [scenario.Echo.Destination];
        var alice1 = await scenario.ConnectOnlineAsync(sag, "alice-listed", echo);
        var alice2 = await scenario.ConnectOnlineAsync(sag, "alice-listed");
        var bob = await scenario.ConnectOnlineAsync(sag, "bobby-listed");
        await scenario.ConnectOnlineAsync(other, "alice-listed");
        var node = (await scenario.CallOpenSagOkAsync("DescribeServerStatus", [])).GetProperty("Node").GetString();

        var payload = new byte[10_000];
        Assert.Equal(payload, await TunnelTraffic.RoundTripAsync(alice1.ForwardPorts[0], payload, TunnelTraffic.ProbeTimeout));
        var listed = await Polling.UntilAsync(() => ListAsync(scenario, sag), sessions => Bytes(sessions, alice1.SessionId!) is ( >= 10_000, >= 10_000),
            TimeSpan.FromSeconds(10), "alice's bytes counted");

        Assert.Equal(3, listed.Count);
        Assert.Equal(
            [("alice-listed", alice1.SessionId), ("alice-listed", alice2.SessionId), ("bobby-listed", bob.SessionId)],
            listed.Select(s => (s.GetProperty("UserName").GetString()!, s.GetProperty("SessionId").GetString())));
        var first = listed.Single(s => s.GetProperty("SessionId").GetString() == alice1.SessionId);
        Assert.Equal(alice1.ClientIp, first.GetProperty("ClientIp").GetString());
        Assert.StartsWith("127.0.0.1", first.GetProperty("PeerAddress").GetString(), StringComparison.Ordinal);
        Assert.Equal(node, first.GetProperty("Node").GetString());
        Assert.False(string.IsNullOrEmpty(first.GetProperty("ClientVersion").GetString()));
        var onlineFor = DateTimeOffset.UtcNow - DateTimeOffset.FromUnixTimeMilliseconds(first.GetProperty("OnlineTime").GetInt64());
        Assert.True(onlineFor > TimeSpan.Zero && onlineFor < TimeSpan.FromMinutes(5), $"OnlineTime is {onlineFor} ago");
        Assert.Equal((0L, 0L), Bytes(listed, bob.SessionId!));
        output.WriteLine($"alice's first session: {first}");

        var bobOnly = await scenario.CallOpenSagOkAsync("DescribeOnlineSessions", new() { ["RegionId"] = scenario.RegionId, ["SmartAGId"] = sag, ["UserName"] = "bobby-listed" });
        Assert.Equal(1, bobOnly.GetProperty("TotalCount").GetInt32());
        var secondPage = await scenario.CallOpenSagOkAsync("DescribeOnlineSessions", new() { ["RegionId"] = scenario.RegionId, ["SmartAGId"] = sag, ["PageSize"] = "2", ["PageNumber"] = "2" });
        Assert.Equal(3, secondPage.GetProperty("TotalCount").GetInt32());
        Assert.Equal([bob.SessionId], secondPage.GetProperty("Sessions").GetProperty("Session").EnumerateArray().Select(s => s.GetProperty("SessionId").GetString()));
    }

    [Fact]
    public async Task DisconnectSession_OneOfAUsersTwoSessions_ThatClientExits4AndTheOtherStays()
    {
        await using var scenario = await GatewayScenario.StartAsync();
        var sag = await scenario.CreateInstanceAsync("10.42.0.0/24");
        var other = await scenario.CreateInstanceAsync("10.43.0.0/24");
        await scenario.CreateUserAsync(sag, "carol-cut");
        string[] echo = [scenario.Echo.Destination];
        var cut = await scenario.ConnectOnlineAsync(sag, "carol-cut", echo);
        var kept = await scenario.ConnectOnlineAsync(sag, "carol-cut", echo);

        // Not this instance's session: nothing happens.
        var elsewhere = await scenario.CallOpenSagOkAsync("DisconnectSession", new() { ["RegionId"] = scenario.RegionId, ["SmartAGId"] = other, ["SessionId"] = cut.SessionId! });
        Assert.False(elsewhere.GetProperty("Disconnected").GetBoolean());
        Assert.False(cut.HasExited);

        var answer = await scenario.CallOpenSagOkAsync("DisconnectSession", new() { ["RegionId"] = scenario.RegionId, ["SmartAGId"] = sag, ["SessionId"] = cut.SessionId! });

        Assert.True(answer.GetProperty("Disconnected").GetBoolean());
        // Answered once closed: the list no longer has it.
        Assert.Equal([kept.SessionId], (await ListAsync(scenario, sag)).Select(s => s.GetProperty("SessionId").GetString()));
        Assert.Equal(4, await cut.WaitForExitAsync(ExitTimeout));
        Assert.Contains("opensag connect: disconnected by administrator", cut.Output, StringComparison.Ordinal);
        Assert.False(kept.HasExited, $"the user's other session ended.\n{kept.Output}");
        Assert.True(await TunnelTraffic.EchoesAsync(kept.ForwardPorts[0], TunnelTraffic.ProbeTimeout), "the other session's tunnel stopped");

        var again = await scenario.CallOpenSagOkAsync("DisconnectSession", new() { ["RegionId"] = scenario.RegionId, ["SmartAGId"] = sag, ["SessionId"] = cut.SessionId! });
        Assert.False(again.GetProperty("Disconnected").GetBoolean());

        // Not a ban: the user logs in again.
        await scenario.ConnectOnlineAsync(sag, "carol-cut");

        var audit = await scenario.CallOpenSagOkAsync("DescribeAuditLog", new() { ["ActionName"] = "DisconnectSession", ["Target"] = cut.SessionId! });
        var entries = audit.GetProperty("Entries").GetProperty("Entry").EnumerateArray().ToList();
        Assert.Equal(3, entries.Count);
        Assert.All(entries, e => Assert.Equal("Success", e.GetProperty("Outcome").GetString()));
        Assert.Equal([sag, sag, other], entries.Select(e => e.GetProperty("SmartAGId").GetString()));
        Assert.Equal(scenario.Server.AccessKeyId, entries[0].GetProperty("AccessKeyId").GetString());
        Assert.Equal("api", entries[0].GetProperty("Channel").GetString());
    }

    [Fact]
    public async Task DescribeOnlineSessions_UnknownInstance_InstanceNotFound()
    {
        await using var scenario = await GatewayScenario.StartAsync();
        using var rpc = new SignedRpcClient(scenario.Server);

        var (status, body) = await rpc.CallOpenSagAsync("DescribeOnlineSessions", new Dictionary<string, string> { ["RegionId"] = scenario.RegionId, ["SmartAGId"] = "sag-nothere" })
            .WaitAsync(GatewayScenario.RequestTimeout);

        Assert.Equal(400, status);
        Assert.Equal("SAG.InstanceNoFound", body.GetProperty("Code").GetString());
    }

    private static async Task<List<JsonElement>> ListAsync(GatewayScenario scenario, string smartAgId)
    {
        var body = await scenario.CallOpenSagOkAsync("DescribeOnlineSessions", new() { ["RegionId"] = scenario.RegionId, ["SmartAGId"] = smartAgId });
        return [.. body.GetProperty("Sessions").GetProperty("Session").EnumerateArray()];
    }

    private static (long FromClient, long ToClient) Bytes(List<JsonElement> sessions, string sessionId)
    {
        var session = sessions.Single(s => s.GetProperty("SessionId").GetString() == sessionId);
        return (session.GetProperty("BytesFromClient").GetInt64(), session.GetProperty("BytesToClient").GetInt64());
    }
}
