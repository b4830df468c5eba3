using System.Net;
using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.WebConsole;

/// <summary>
/// The instance and user pages change things through the API's actions (issue 13 item 1): what the API would refuse
/// is refused with its Code and Message, what it accepts is there for the API to see.
/// </summary>
public sealed class ConsoleInstancePagesTests
{
    [Fact]
    public async Task Instances_CreateWithNameAndCidrBlock_ListedAndVisibleToTheApi()
    {
        await using var server = await OpenSagServer.StartWithRandomKeysAsync();
        using var rpc = new SignedRpcClient(server);
        using var console = new ConsoleClient(server.ConsoleEndpoint!);
        await console.SignInAsync(server);

        var id = await CreateInstanceAsync(console, "Branch-office", "10.77.0.0/24");

        var (status, described) = await rpc.CallAsync("DescribeSmartAccessGatewayAttribute", new Dictionary<string, string> { ["RegionId"] = "cn-shanghai", ["SmartAGId"] = id })
            .WaitAsync(ConsoleClient.RequestTimeout);
        Assert.True(status == 200, described.ToString());
        Assert.Equal("Branch-office", described.GetProperty("Name").GetString());
        Assert.Equal("10.77.0.0/24", described.GetProperty("CidrBlock").GetString());
    }

    [Fact]
    public async Task InstanceSettings_InvalidCidrBlock_RefusedWithTheApiCodeAndUnchanged()
    {
        await using var server = await OpenSagServer.StartWithRandomKeysAsync();
        using var console = new ConsoleClient(server.ConsoleEndpoint!);
        await console.SignInAsync(server);
        var id = await CreateInstanceAsync(console, "Lab", "10.78.0.0/24");
        var page = "/instances/" + id;

        using var refused = await console.PostFormAsync(page, page, new Dictionary<string, string> { ["CidrBlock"] = "10.78.0.0/33", ["Name"] = "Lab" });
        Assert.Equal(HttpStatusCode.Redirect, refused.StatusCode);
        var after = await console.PageAsync(page);
        Assert.StartsWith("InvalidCidrBlock", ConsoleClient.TestText(after, "error"), StringComparison.Ordinal);
        Assert.Contains("value=\"10.78.0.0/24\"", after, StringComparison.Ordinal);

        using var saved = await console.PostFormAsync(page, page, new Dictionary<string, string> { ["Description"] = "Second floor" });
        var again = await console.PageAsync(page);
        Assert.NotNull(ConsoleClient.TestText(again, "flash"));
        Assert.Contains("value=\"Second floor\"", again, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InstancePages_UnknownInstance_404WithTheApiError()
    {
        await using var server = await OpenSagServer.StartWithRandomKeysAsync();
        using var console = new ConsoleClient(server.ConsoleEndpoint!);
        await console.SignInAsync(server);

        foreach (var path in new[] { "/instances/sag-nosuchinstance0000000", "/instances/sag-nosuchinstance0000000/users", "/instances/" + new string('x', 100) + "/users?search=%00", "/instances/sag-%EF%BF%BF/traffic?month=%00" })
        {
            using var response = await console.GetAsync(path);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"GET {path} answered {(int)response.StatusCode}: {body}");
            Assert.Equal("SAG.InstanceNoFound: The specified SAG instance does not exist.", ConsoleClient.TestText(body, "error"));
        }
    }

    [Fact]
    public async Task Users_CreateDisableSearchAndDelete_EachThroughTheApi()
    {
        await using var server = await OpenSagServer.StartWithRandomKeysAsync();
        using var rpc = new SignedRpcClient(server);
        using var console = new ConsoleClient(server.ConsoleEndpoint!);
        await console.SignInAsync(server);
        var id = await CreateInstanceAsync(console, "Users-lab", "10.79.0.0/24");
        var users = $"/instances/{id}/users";
        var alice = new Dictionary<string, string> { ["UserName"] = "alice.console", ["Password"] = "Passw0rd-123", ["UserMail"] = "alice@example.com", ["Bandwidth"] = "3000" };

        using (var created = await console.PostFormAsync(users, users + "?handler=create", alice))
        {
            Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        }

        var listed = await console.PageAsync(users);
        Assert.Equal("Created user alice.console.", ConsoleClient.TestText(listed, "flash"));
        Assert.Contains("data-test=\"user-row\" data-user=\"alice.console\"", listed, StringComparison.Ordinal);

        using (var again = await console.PostFormAsync(users, users + "?handler=create", alice))
        {
            Assert.Equal("ClientUser.UserExist: The specified user already exists.", ConsoleClient.TestText(await console.PageAsync(users), "error"));
        }

        using (var disabled = await console.PostFormAsync(users, users + "?page=1&handler=disable", new Dictionary<string, string> { ["UserName"] = "alice.console" }))
        {
            Assert.Equal(users + "?page=1", disabled.Headers.Location?.OriginalString);
        }

        var found = await console.PageAsync(users + "?search=alice.console");
        Assert.Equal("disabled", ConsoleClient.TestText(found, "user-state"));
        Assert.DoesNotContain("data-test=\"user-row\"", await console.PageAsync(users + "?search=nobody.here"), StringComparison.Ordinal);
        // Any part of a name finds it, letter case counting.
        Assert.Contains("data-user=\"alice.console\"", await console.PageAsync(users + "?search=console"), StringComparison.Ordinal);
        Assert.DoesNotContain("data-test=\"user-row\"", await console.PageAsync(users + "?search=CONSOLE"), StringComparison.Ordinal);
        var (status, api) = await rpc.CallAsync("DescribeSmartAccessGatewayClientUsers", new Dictionary<string, string> { ["RegionId"] = "cn-shanghai", ["SmartAGId"] = id })
            .WaitAsync(ConsoleClient.RequestTimeout);
        Assert.True(status == 200, api.ToString());
        var user = Assert.Single(api.GetProperty("Users").GetProperty("User").EnumerateArray());
        Assert.Equal(1, user.GetProperty("State").GetInt32());
        Assert.Equal(3000, user.GetProperty("Bandwidth").GetInt32());

        using (var deleted = await console.PostFormAsync(users, users + "?handler=delete", new Dictionary<string, string> { ["UserName"] = "alice.console" }))
        {
            Assert.Equal(HttpStatusCode.Redirect, deleted.StatusCode);
        }

        var empty = await console.PageAsync(users);
        Assert.Equal("Deleted user alice.console.", ConsoleClient.TestText(empty, "flash"));
        Assert.DoesNotContain("data-test=\"user-row\"", empty, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Users_MoreThanAPage_PagedWithLinks()
    {
        await using var server = await OpenSagServer.StartWithRandomKeysAsync();
        using var rpc = new SignedRpcClient(server);
        using var console = new ConsoleClient(server.ConsoleEndpoint!);
        await console.SignInAsync(server);
        var id = await CreateInstanceAsync(console, "Paging-lab", "10.80.0.0/24");
        for (var i = 0; i < 21; i++)
        {
            var (status, body) = await rpc.CallAsync("CreateSmartAccessGatewayClientUser", new Dictionary<string, string>
            {
                ["RegionId"] = "cn-shanghai",
                ["SmartAGId"] = id,
                ["UserName"] = $"pageuser{i:D2}",
                ["Password"] = "Passw0rd-123",
                ["UserMail"] = "p@example.com",
            }).WaitAsync(ConsoleClient.RequestTimeout);
            Assert.True(status == 200, body.ToString());
        }

        var first = await console.PageAsync($"/instances/{id}/users");
        var second = await console.PageAsync($"/instances/{id}/users?page=2");

        Assert.Equal(20, CountRows(first));
        Assert.Equal(1, CountRows(second));
        Assert.Contains($"href=\"/instances/{id}/users?page=2\"", first, StringComparison.Ordinal);
        Assert.Contains($"href=\"/instances/{id}/users?page=1\"", second, StringComparison.Ordinal);
    }

    /// <summary>Creates an instance through the console's form in cn-shanghai; returns its id, read from the list.</summary>
    internal static async Task<string> CreateInstanceAsync(ConsoleClient console, string name, string cidrBlock)
    {
        using var created = await console.PostFormAsync("/instances", "/instances?handler=create", new Dictionary<string, string>
        {
            ["RegionId"] = "cn-shanghai",
            ["Name"] = name,
            ["CidrBlock"] = cidrBlock,
            ["UserCount"] = "50",
            ["DataPlan"] = "5",
            ["Period"] = "1",
        });
        Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        var list = await console.PageAsync("/instances");
        var flash = ConsoleClient.TestText(list, "flash");
        Assert.True(flash is not null && flash.StartsWith("Created instance sag-", StringComparison.Ordinal), $"flash: {flash}; error: {ConsoleClient.TestText(list, "error")}");
        var id = flash["Created instance ".Length..].TrimEnd('.');
        Assert.Contains($"data-test=\"instance-row\" data-instance=\"{id}\"", list, StringComparison.Ordinal);
        return id;
    }

    private static int CountRows(string html) => html.Split("data-test=\"user-row\"").Length - 1;
}
