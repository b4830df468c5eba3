using System.Net;
using System.Text.Json;
using System.Xml.Linq;
using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.Server;

/// <summary>
/// What the real server refuses at its input, and that nothing it accepted can break an answer: values no answer
/// format can carry (issue 9 item 11) and list parameters in forms the catalogue does not read (issue 10 item 8).
/// </summary>
[Collection(SharedConformanceServer.Name)]
public sealed class WireInputTests(ConformanceServerFixture fixture) : IDisposable
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(15);

    private readonly SignedRpcClient _client = new(fixture.Server);
    private readonly HttpClient _http = new() { Timeout = RequestTimeout };
    private readonly string _region = "cn-wire-" + Guid.NewGuid().ToString("N")[..8];

    public void Dispose()
    {
        _client.Dispose();
        _http.Dispose();
    }

    [Fact]
    public async Task ModifySmartAccessGateway_DescriptionWithControlCharacter_RefusedAndXmlListStillAnswers()
    {
        var sag = await CreateInstanceAsync();

        var (status, body) = await CallAsync("ModifySmartAccessGateway", ("RegionId", _region), ("SmartAGId", sag), ("Description", "ok\u0001desc"));

        Assert.True(status == 400, $"answered {status}: {body}");
        Assert.Equal("InvalidParameter", body.GetProperty("Code").GetString());
        Assert.Equal("The specified value of parameter \"Description\" is not valid.", body.GetProperty("Message").GetString());
        var (xmlStatus, xml) = await CallXmlAsync("DescribeSmartAccessGateways", ("RegionId", _region));
        Assert.True(xmlStatus == 200, $"answered {xmlStatus}: {xml}");
        Assert.Equal(sag, xml.Root!.Element("SmartAccessGateways")!.Element("SmartAccessGateway")!.Element("SmartAGId")!.Value);
    }

    [Fact]
    public async Task ModifySmartAccessGateway_NameAndDescriptionStartingWithAChineseCharacterBeyondTheBmp_StoredAndEchoed()
    {
        var sag = await CreateInstanceAsync();

        // 𠮷 (U+20BB7, CJK Extension B) is a surrogate pair in UTF-16: a letter, though no single UTF-16 unit is one.
        var (status, body) = await CallAsync("ModifySmartAccessGateway", ("RegionId", _region), ("SmartAGId", sag),
            ("Name", "\U00020BB7野家"), ("Description", "\U00020BB7 branch office"));

        Assert.True(status == 200, $"answered {status}: {body}");
        var (_, attribute) = await CallAsync("DescribeSmartAccessGatewayAttribute", ("RegionId", _region), ("SmartAGId", sag));
        Assert.Equal("\U00020BB7野家", attribute.GetProperty("Name").GetString());
        Assert.Equal("\U00020BB7 branch office", attribute.GetProperty("Description").GetString());
    }

    [Fact]
    public async Task CreateClientUser_UserMailWithControlCharacter_RefusedAndXmlUserListStillAnswers()
    {
        var sag = await CreateInstanceAsync();
        Assert.Equal(200, (await CallAsync("ModifySmartAccessGateway", ("RegionId", _region), ("SmartAGId", sag), ("CidrBlock", "10.20.0.0/24"))).Status);

        var (status, body) = await CallAsync("CreateSmartAccessGatewayClientUser", ("RegionId", _region), ("SmartAGId", sag),
            ("UserName", "wireuser01"), ("Password", "Passw0rd_1"), ("UserMail", "wire\u0001user@example.com"));

        Assert.True(status == 400, $"answered {status}: {body}");
        Assert.Equal("The specified value of parameter \"UserMail\" is not valid.", body.GetProperty("Message").GetString());
        var (xmlStatus, xml) = await CallXmlAsync("DescribeSmartAccessGatewayClientUsers", ("RegionId", _region), ("SmartAGId", sag));
        Assert.True(xmlStatus == 200, $"answered {xmlStatus}: {xml}");
        Assert.Equal("0", xml.Root!.Element("TotalCount")!.Value);
    }

    [Fact]
    public async Task UserStatistics_EchoedUserNameWithControlCharacterAskedAsXml_XmlErrorNot500()
    {
        var sag = await CreateInstanceAsync();

        var (status, xml) = await CallXmlAsync("DescribeUserOnlineClientStatistics", ("RegionId", _region), ("SmartAGId", sag), ("UserNames.1", "ab\u0001cdefg"));

        Assert.True(status == 400, $"answered {status}: {xml}");
        Assert.Equal("Error", xml.Root!.Name.LocalName);
        Assert.Equal("The specified value of parameter \"UserNames.1\" is not valid.", xml.Root.Element("Message")!.Value);
    }

    [Fact]
    public async Task ModifySmartAccessGateway_ParameterNameWithControlCharactersAskedAsXml_XmlErrorNot500()
    {
        var sag = await CreateInstanceAsync();

        var (status, xml) = await CallXmlAsync("ModifySmartAccessGateway", ("RegionId", _region), ("SmartAGId", sag), ("Description.\u0001\u001B", "x"));

        Assert.True(status == 400, $"answered {status}: {xml}");
        Assert.Equal("The specified value of parameter \"Description.\uFFFD\uFFFD\" is not valid.", xml.Root!.Element("Message")!.Value);
    }

    [Fact]
    public async Task ModifyClientUserDns_AppDnsUnderItsBareName_RefusedAndStoredListUnchanged()
    {
        var sag = await CreateInstanceAsync();
        Assert.Equal(200, (await CallAsync("ModifyClientUserDNS", ("RegionId", _region), ("SmartAGId", sag), ("AppDNS.1", "100.100.2.136"), ("RecoveredDNS.1", "223.5.5.5"))).Status);

        var (status, body) = await CallAsync("ModifyClientUserDNS", ("RegionId", _region), ("SmartAGId", sag), ("AppDNS", "100.100.2.137"));

        Assert.True(status == 400, $"answered {status}: {body}");
        Assert.Equal("InvalidParameter", body.GetProperty("Code").GetString());
        Assert.Equal("The specified value of parameter \"AppDNS\" is not valid.", body.GetProperty("Message").GetString());
        var (_, dns) = await CallAsync("DescribeClientUserDNS", ("RegionId", _region), ("SmartAGId", sag));
        Assert.Equal(["100.100.2.136"], dns.GetProperty("AppDNS").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["223.5.5.5"], dns.GetProperty("RecoveredDNS").EnumerateArray().Select(e => e.GetString()));
    }

    [Theory]
    [InlineData("DescribeSmartAccessGateways")]
    [InlineData("DescribeSagOnlineClientStatistics")]
    public async Task InstanceFilter_SmartAgIdsAsAJsonArrayUnderItsBareName_RefusedNotAnsweredWithEveryInstance(string action)
    {
        var sag = await CreateInstanceAsync();
        await CreateInstanceAsync();

        var (status, body) = await CallAsync(action, ("RegionId", _region), ("SmartAGIds", $"[\"{sag}\"]"));

        Assert.True(status == 400, $"answered {status}: {body}");
        Assert.Equal("The specified value of parameter \"SmartAGIds\" is not valid.", body.GetProperty("Message").GetString());
    }

    private async Task<string> CreateInstanceAsync()
    {
        var (status, body) = await CallAsync("CreateSmartAccessGatewaySoftware", ("RegionId", _region), ("ChargeType", "PREPAY"), ("Period", "1"),
            ("UserCount", "5"), ("DataPlan", "5"), ("AutoPay", "true"));
        Assert.True(status == 200, $"CreateSmartAccessGatewaySoftware answered {status}: {body}");
        return body.GetProperty("SmartAGId").GetString()!;
    }

    private Task<(int Status, JsonElement Body)> CallAsync(string action, params (string Name, string Value)[] parameters) =>
        _client.CallAsync(action, parameters.ToDictionary(p => p.Name, p => p.Value)).WaitAsync(RequestTimeout);

    private async Task<(int Status, XDocument Body)> CallXmlAsync(string action, params (string Name, string Value)[] parameters)
    {
        var query = _client.SignedQuery(action, parameters.Append(("Format", "XML")).ToDictionary(p => p.Item1, p => p.Item2));
        using var response = await _http.GetAsync(new Uri(fixture.Server.Endpoint, "/?" + query)).WaitAsync(RequestTimeout);
        var text = await response.Content.ReadAsStringAsync().WaitAsync(RequestTimeout);
        Assert.True(response.StatusCode != HttpStatusCode.InternalServerError, $"answered 500: {text}");
        return ((int)response.StatusCode, XDocument.Parse(text));
    }
}
