using System.Net;
using System.Text.RegularExpressions;
using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.WebConsole;

/// <summary>
/// What the console does is audited with the signed-in access key, the peer address and channel <c>console</c>, sign-ins
/// and sign-outs included, and the audit page lists and filters it (issue 13 item 1).
/// </summary>
public sealed partial class ConsoleAuditTests
{
    [Fact]
    public async Task Audit_ConsoleChangesAndSignIns_ListedWithKeyAddressAndChannelAndFilterable()
    {
        await using var server = await OpenSagServer.StartWithRandomKeysAsync();
        using var console = new ConsoleClient(server.ConsoleEndpoint!);
        using (var refused = await console.TrySignInAsync(server.AccessKeyId, "not-the-secret"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        await console.SignInAsync(server);
        var id = await ConsoleInstancePagesTests.CreateInstanceAsync(console, "Audited", "10.81.0.0/24");
        var users = $"/instances/{id}/users";
        using (var created = await console.PostFormAsync(users, users + "?handler=create",
            new Dictionary<string, string> { ["UserName"] = "audited.user", ["Password"] = "Passw0rd-123", ["UserMail"] = "a@example.com" }))
        using (var disabled = await console.PostFormAsync(users, users + "?handler=disable", new Dictionary<string, string> { ["UserName"] = "audited.user" }))
        using (var missing = await console.PostFormAsync(users, users + "?handler=enable", new Dictionary<string, string> { ["UserName"] = "nobody.there" }))
        {
            Assert.Equal(HttpStatusCode.Redirect, missing.StatusCode);
        }

        var all = Rows(await console.PageAsync("/audit"));
        Assert.Contains(all, r => r.Action == "ConsoleSignIn" && r.Outcome == "SignInRefused" && r.AccessKeyId == server.AccessKeyId);
        Assert.Contains(all, r => r.Action == "ConsoleSignIn" && r.Outcome == "Success" && r.AccessKeyId == server.AccessKeyId && r.Channel == "console" && r.From == "127.0.0.1");
        Assert.Contains(all, r => r.Action == "CreateSmartAccessGatewaySoftware" && r.Outcome == "Success" && r.Channel == "console");
        Assert.Contains(all, r => r.Action == "ModifySmartAccessGateway" && r.Outcome == "Success" && r.Instance == id);
        Assert.Contains(all, r => r.Action == "EnableSmartAccessGatewayUser" && r.Outcome == "ResourceNotFound.User" && r.Target == "nobody.there");

        var filtered = Rows(await console.PageAsync("/audit?action=DisableSmartAccessGatewayUser&instance=" + id));
        var disable = Assert.Single(filtered);
        Assert.Equal(("audited.user", "Success", "console", server.AccessKeyId, "127.0.0.1"), (disable.Target, disable.Outcome, disable.Channel, disable.AccessKeyId, disable.From));
        Assert.Empty(Rows(await console.PageAsync("/audit?since=2999-01-01T00:00")));

        using var badFilter = await console.GetAsync("/audit?since=yesterday");
        Assert.Equal(HttpStatusCode.BadRequest, badFilter.StatusCode);

        using (var signedOut = await console.PostFormAsync("/instances", "/signout", new Dictionary<string, string>()))
        {
            Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);
        }

        await console.SignInAsync(server);
        Assert.Contains(Rows(await console.PageAsync("/audit?action=ConsoleSignOut")), r => r.AccessKeyId == server.AccessKeyId && r.Outcome == "Success");
    }

    /// <summary>
    /// A disconnect from the console runs OpenSAG's DisconnectSession action like the API: a session id that breaks the
    /// action's rule is refused with the API's code, shown and audited as such (not recorded as a success).
    /// </summary>
    [Fact]
    public async Task Audit_ConsoleDisconnectOfMalformedSessionId_RecordedWithTheApisRefusalCode()
    {
        await using var server = await OpenSagServer.StartWithRandomKeysAsync();
        using var console = new ConsoleClient(server.ConsoleEndpoint!);
        await console.SignInAsync(server);
        var id = await ConsoleInstancePagesTests.CreateInstanceAsync(console, "Disconnects", "10.82.0.0/24");
        var sessions = $"/instances/{id}/sessions";
        var tooLong = new string('s', 65);
        using (var refused = await console.PostFormAsync(sessions, sessions + "?handler=disconnect", new Dictionary<string, string> { ["SessionId"] = tooLong }))
        using (var offline = await console.PostFormAsync(sessions, sessions + "?handler=disconnect", new Dictionary<string, string> { ["SessionId"] = "not-online" }))
        {
            Assert.Equal(HttpStatusCode.Redirect, refused.StatusCode);
        }

        var rows = Rows(await console.PageAsync("/audit?action=DisconnectSession&instance=" + id));
        Assert.Equal(2, rows.Count);
        Assert.Contains(rows, r => r.Target == "not-online" && r.Outcome == "Success" && r.Channel == "console");
        var malformed = Assert.Single(rows, r => r.Target != "not-online");
        Assert.Equal((tooLong, OpenSag.Errors.ErrorCatalogue.Invalid("SessionId").Code), (malformed.Target, malformed.Outcome));
    }

    private sealed record Row(string AccessKeyId, string From, string Channel, string Action, string Instance, string Target, string Outcome);

    private static List<Row> Rows(string html) =>
        [.. AuditRow().Matches(html).Select(m =>
        {
            var cells = Cell().Matches(m.Groups["cells"].Value).Select(c => WebUtility.HtmlDecode(Regex.Replace(c.Groups["text"].Value, "<[^>]+>", "")).Trim()).ToList();
            return new Row(cells[1], cells[2], cells[3], cells[4], cells[5], cells[6], cells[7]);
        })];

    [GeneratedRegex("data-test=\"audit-row\"[^>]*>(?<cells>.*?)</tr>", RegexOptions.Singleline)]
    private static partial Regex AuditRow();

    [GeneratedRegex("<td[^>]*>(?<text>.*?)</td>", RegexOptions.Singleline)]
    private static partial Regex Cell();
}
