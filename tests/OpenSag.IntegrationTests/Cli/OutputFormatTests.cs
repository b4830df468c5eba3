using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.Cli;

/// <summary>
/// <c>opensag smartag --output table|json</c> against the real server: a table laid out from the action's declared
/// answer, JSON by default when stdout is not a terminal (these tests read it through a pipe, as scripts do), and no
/// value from the API reaching the terminal as a control sequence in any output.
/// </summary>
[Collection(SharedConformanceServer.Name)]
public sealed class OutputFormatTests(ConformanceServerFixture fixture)
{
    /// <summary>
    /// A Description the API accepts (a letter first; tab, LF and CR are allowed, other C0 controls are not) with what
    /// a terminal acts on: a forged next line, a carriage return over the row, a C1 CSI clearing the screen, a
    /// right-to-left override, and a backslash that would otherwise make an escape ambiguous; 200 characters wide.
    /// </summary>
    private const string HostileDescription = "ab\nFAKE-ROW\r\tx\u009B2J\u202Eevil\\n" + "wide";

    private OpenSagServer Server => fixture.Server;

    [Fact]
    public async Task Table_ClientUsers_ScalarLinesThenAnAlignedTableOfTheItemFields()
    {
        var region = Region("tbl");
        var sag = await CreateInstanceAsync(region);
        var created = await SmartagCli.RunAsync(Server, "CreateSmartAccessGatewayClientUser", "--RegionId", region, "--SmartAGId", sag,
            "--UserName", "tableuser01", "--Password", "Passw0rd_1", "--UserMail", "table@example.com", "--Bandwidth", "2000");
        Assert.True(created.ExitCode == 0, created.ToString());

        var result = await SmartagCli.RunAsync(Server, "DescribeSmartAccessGatewayClientUsers", "--RegionId", region, "--SmartAGId", sag, "--output", "table");

        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.Stdout.ReplaceLineEndings("\n").Split('\n');
        Assert.Matches("^RequestId: [0-9A-F-]{36}$", lines[0]);
        Assert.Equal(["TotalCount: 1", "PageNumber: 1", "PageSize: 10", "", "Users:"], lines[1..6]);
        var header = lines[6];
        var row = lines[7];
        // Every column starts where its header does: UserName, UserMail, Bandwidth, … as declared.
        Assert.StartsWith("UserName ", header, StringComparison.Ordinal);
        Assert.StartsWith("tableuser01 ", row, StringComparison.Ordinal);
        Assert.Equal(header.IndexOf("UserMail", StringComparison.Ordinal), row.IndexOf("table@example.com", StringComparison.Ordinal));
        Assert.Equal(header.IndexOf("Bandwidth", StringComparison.Ordinal), row.IndexOf("2000", StringComparison.Ordinal));
        Assert.Equal("", string.Join("", lines[8..]));
    }

    [Fact]
    public async Task Table_ValueWithControlCharacters_EscapedOnOneRowAndNotTruncated()
    {
        var region = Region("esc");
        var sag = await CreateInstanceAsync(region);
        var description = HostileDescription + new string('w', 200);
        var modified = await SmartagCli.RunAsync(Server, "ModifySmartAccessGateway", "--RegionId", region, "--SmartAGId", sag, "--Description", description);
        Assert.True(modified.ExitCode == 0, modified.ToString());

        var result = await SmartagCli.RunAsync(Server, "DescribeSmartAccessGateways", "--RegionId", region, "--output", "table");

        Assert.True(result.ExitCode == 0, result.ToString());
        AssertNothingATerminalActsOn(result.Stdout);
        var rows = result.Stdout.Split('\n').Where(l => l.Contains(sag, StringComparison.Ordinal)).ToList();
        var row = Assert.Single(rows);
        Assert.Contains(@"ab\nFAKE-ROW\r\tx\x9B2J\u202Eevil\\nwide" + new string('w', 200), row, StringComparison.Ordinal);
        Assert.DoesNotContain(result.Stdout.Split('\n'), l => l.StartsWith("FAKE-ROW", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Json_ValueWithControlCharacters_EscapedAndTheSameValueToAParser()
    {
        var region = Region("jsn");
        var sag = await CreateInstanceAsync(region);
        var modified = await SmartagCli.RunAsync(Server, "ModifySmartAccessGateway", "--RegionId", region, "--SmartAGId", sag, "--Description", HostileDescription);
        Assert.True(modified.ExitCode == 0, modified.ToString());

        var result = await SmartagCli.RunAsync(Server, "DescribeSmartAccessGateways", "--RegionId", region, "--output", "json");

        Assert.True(result.ExitCode == 0, result.ToString());
        AssertNothingATerminalActsOn(result.Stdout);
        Assert.Contains(@"\u202E", result.Stdout, StringComparison.Ordinal);
        var item = Assert.Single(result.Json.GetProperty("SmartAccessGateways").GetProperty("SmartAccessGateway").EnumerateArray());
        Assert.Equal(HostileDescription, item.GetProperty("Description").GetString());
    }

    [Fact]
    public async Task Xml_ValueWithControlCharacters_CharacterReferencesAndTheSameValueToAParser()
    {
        var region = Region("xml");
        var sag = await CreateInstanceAsync(region);
        var modified = await SmartagCli.RunAsync(Server, "ModifySmartAccessGateway", "--RegionId", region, "--SmartAGId", sag, "--Description", HostileDescription);
        Assert.True(modified.ExitCode == 0, modified.ToString());

        var result = await SmartagCli.RunAsync(Server, "DescribeSmartAccessGateways", "--RegionId", region, "--Format", "XML");

        Assert.True(result.ExitCode == 0, result.ToString());
        // Tab and LF are the document's own whitespace in XML (the server writes CR as &#xD;).
        AssertNothingATerminalActsOn(result.Stdout.Replace("\t", "", StringComparison.Ordinal));
        var description = XDocument.Parse(result.Stdout).Descendants("Description").Single().Value;
        Assert.Equal(HostileDescription, description);
    }

    [Fact]
    public async Task Table_Regions_ColumnsAlignedByDisplayWidthOfChineseNames()
    {
        var result = await SmartagCli.RunAsync(Server, "DescribeRegions", "--output", "table");

        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.Stdout.ReplaceLineEndings("\n").Split('\n');
        var header = Array.IndexOf(lines, "Regions:") + 1;
        Assert.StartsWith("RegionId ", lines[header], StringComparison.Ordinal);
        var column = DisplayWidth(lines[header][..lines[header].IndexOf("RegionEndpoint", StringComparison.Ordinal)]);
        var rows = lines[(header + 1)..].Where(l => l.Length > 0).ToList();
        Assert.Equal(10, rows.Count);
        Assert.Contains(rows, r => r.Contains("华东1(杭州)", StringComparison.Ordinal));
        Assert.All(rows, r => Assert.Equal(column, DisplayWidth(r[..r.IndexOf("smartag.", StringComparison.Ordinal)])));
    }

    [Fact]
    public async Task Output_NotTableOrJson_ExitsTwoWithOneLine()
    {
        var result = await SmartagCli.RunAsync(Server, "DescribeRegions", "--output", "yaml");

        Assert.True(result.ExitCode == 2, result.ToString());
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("opensag smartag: --output", line, StringComparison.Ordinal);
        Assert.Equal("", result.Stdout);
    }

    /// <summary>
    /// OpenSAG's own actions go to their own path and Version (at <c>/</c> they are InvalidAction.NotFound, as in the
    /// cloud), with the same flag checks, <c>--usage</c> and table as the Smartag ones.
    /// </summary>
    [Fact]
    public async Task OwnAction_DescribeAuditLog_SentToOpenSagPathAndShownAsATable()
    {
        var region = Region("aud");
        var sag = await CreateInstanceAsync(region);

        var table = await SmartagCli.RunAsync(Server, "DescribeAuditLog", "--SmartAGId", sag, "--output", "table");
        var misspelt = await SmartagCli.RunAsync(Server, "DescribeAuditLog", "--SmartAgId", sag);
        var listed = await SmartagCli.RunAsync(Server);

        Assert.True(table.ExitCode == 0, table.ToString());
        var lines = table.Stdout.ReplaceLineEndings("\n").Split('\n');
        // The instance's create (audited under the id its answer names) and its modify.
        Assert.Contains("TotalCount: 2", lines);
        Assert.Single(lines, l => l.Contains("CreateSmartAccessGatewaySoftware", StringComparison.Ordinal));
        var header = Assert.Single(lines, l => l.StartsWith("Id ", StringComparison.Ordinal));
        var row = Assert.Single(lines, l => l.Contains("ModifySmartAccessGateway", StringComparison.Ordinal));
        Assert.Equal(header.IndexOf("AccessKeyId", StringComparison.Ordinal), row.IndexOf(Server.AccessKeyId, StringComparison.Ordinal));
        Assert.Equal(header.IndexOf("Outcome", StringComparison.Ordinal), row.IndexOf("Success", StringComparison.Ordinal));
        Assert.True(misspelt.ExitCode == 2, misspelt.ToString());
        Assert.Equal("opensag smartag: unknown flag --SmartAgId for DescribeAuditLog; did you mean --SmartAGId?", misspelt.Stderr.TrimEnd());
        Assert.Contains("DescribeAuditLog", listed.Stdout, StringComparison.Ordinal);
    }

    /// <summary>
    /// The CLI refuses a flag the action does not take (SmartagCliTests), but the API itself ignores a parameter it
    /// does not know, as the cloud does: an SDK sending a newer parameter still gets its answer.
    /// </summary>
    [Fact]
    public async Task Api_UnknownParameterInASignedCall_IgnoredAsTheCloudDoes()
    {
        using var rpc = new SignedRpcClient(Server);

        var (status, body) = await rpc.CallAsync("DescribeSmartAccessGateways", new Dictionary<string, string>
        {
            ["RegionId"] = Region("unk"),
            ["Frobnicate"] = "1",
            ["SmartAGid"] = "sag-misspelt",
        });

        Assert.True(status == 200, body.ToString());
        Assert.Equal(0, body.GetProperty("TotalCount").GetInt32());
    }

    /// <summary>No C0 control but LF, no DEL or C1 control, no format character (bidi overrides, zero-width), no line or paragraph separator.</summary>
    private static void AssertNothingATerminalActsOn(string output)
    {
        foreach (var rune in output.EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            Assert.False(rune.Value != '\n' && category is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator,
                $"U+{rune.Value:X4} reached stdout:\n{output}");
        }
    }

    /// <summary>Columns on a terminal: two for the CJK ideographs and fullwidth forms the region names use.</summary>
    private static int DisplayWidth(string text) =>
        text.EnumerateRunes().Sum(r => r.Value is (>= 0x4E00 and <= 0x9FFF) or (>= 0xFF00 and <= 0xFF60) or (>= 0x3000 and <= 0x303E) ? 2 : 1);

    private static string Region(string purpose) => $"cn-{purpose}" + "-" + Guid.NewGuid().ToString("N")[..8];

    private async Task<string> CreateInstanceAsync(string region)
    {
        var created = await SmartagCli.RunAsync(Server, "CreateSmartAccessGatewaySoftware", "--RegionId", region, "--ChargeType", "PREPAY",
            "--Period", "12", "--UserCount", "50", "--DataPlan", "5", "--AutoPay", "true");
        Assert.True(created.ExitCode == 0, created.ToString());
        var sag = created.Json.GetProperty("SmartAGId").GetString()!;
        var modified = await SmartagCli.RunAsync(Server, "ModifySmartAccessGateway", "--RegionId", region, "--SmartAGId", sag, "--CidrBlock", "10.10.0.0/24");
        Assert.True(modified.ExitCode == 0, modified.ToString());
        return sag;
    }
}
