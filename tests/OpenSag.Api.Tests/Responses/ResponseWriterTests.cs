using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using OpenSag.Api.Responses;

namespace OpenSag.Api.Tests.Responses;

/// <summary>Success bodies as JSON and XML (DESIGN.md §2, spec/smartag-api.md §4.1).</summary>
public class ResponseWriterTests
{
    private const string RequestId = "4C467B38-3910-447D-87BC-AC049166F216";

    private static string Json(ResponseBody body) =>
        Encoding.UTF8.GetString(ResponseWriter.Write(ResponseFormat.Json, "DescribeSmartAccessGatewayClientUsers", RequestId, body));

    private static string Xml(string root, ResponseBody body) =>
        Encoding.UTF8.GetString(ResponseWriter.Write(ResponseFormat.Xml, root, RequestId, body));

    private static ResponseBody UserList(params (string Name, int Bandwidth)[] users) => new()
    {
        { "TotalCount", users.Length },
        { "PageNumber", 1 },
        { "PageSize", 10 },
        {
            "Users", new WrappedList("User", [.. users.Select(u => new ResponseBody
            {
                { "UserName", u.Name },
                { "Bandwidth", u.Bandwidth },
            })])
        },
    };

    [Fact]
    public void ContentType_Json_IsTheExactStringClientsCompare()
    {
        Assert.Equal("application/json;charset=utf-8", ResponseWriter.ContentType(ResponseFormat.Json));
        Assert.Equal("application/json;charset=utf-8", ResponseWriter.JsonContentType);
    }

    [Fact]
    public void ContentType_Xml_IsTheExactStringClientsCompare()
    {
        Assert.Equal("text/xml;charset=utf-8", ResponseWriter.ContentType(ResponseFormat.Xml));
        Assert.Equal("text/xml;charset=utf-8", ResponseWriter.XmlContentType);
    }

    [Fact]
    public void Write_JsonEmptyBody_OnlyRequestId()
    {
        Assert.Equal("{\"RequestId\":\"" + RequestId + "\"}", Json(ResponseBody.Empty));
    }

    [Fact]
    public void Write_JsonWrappedList_RequestIdFirstThenFieldsInOrderWithARealArray()
    {
        var json = Json(UserList(("alice.smith", 2000), ("bob.jones", 500)));

        Assert.Equal(
            "{\"RequestId\":\"" + RequestId + "\",\"TotalCount\":2,\"PageNumber\":1,\"PageSize\":10," +
            "\"Users\":{\"User\":[{\"UserName\":\"alice.smith\",\"Bandwidth\":2000},{\"UserName\":\"bob.jones\",\"Bandwidth\":500}]}}",
            json);
        using var document = JsonDocument.Parse(json);
        Assert.Equal("RequestId", document.RootElement.EnumerateObject().First().Name);
        Assert.Equal(JsonValueKind.Array, document.RootElement.GetProperty("Users").GetProperty("User").ValueKind);
    }

    [Fact]
    public void Write_JsonEmptyWrappedList_IsAnEmptyArrayInsideTheWrapper()
    {
        var json = Json(UserList());

        Assert.Contains("\"Users\":{\"User\":[]}", json, StringComparison.Ordinal);
        using var document = JsonDocument.Parse(json);
        var users = document.RootElement.GetProperty("Users").GetProperty("User");
        Assert.Equal(JsonValueKind.Array, users.ValueKind);
        Assert.Equal(0, users.GetArrayLength());
    }

    [Fact]
    public void Write_JsonWrappedListOfStrings_ArrayOfStrings()
    {
        var json = Json(new ResponseBody { { "AclIds", new WrappedList("AclId", ["acl-1", "acl-2"]) } });

        Assert.Equal("{\"RequestId\":\"" + RequestId + "\",\"AclIds\":{\"AclId\":[\"acl-1\",\"acl-2\"]}}", json);
    }

    [Fact]
    public void Write_JsonPlainList_IsABareArray()
    {
        var json = Json(new ResponseBody
        {
            { "AppDNS", new PlainList(["1.1.1.1", "8.8.8.8"]) },
            { "RecoveredDNS", new PlainList([]) },
        });

        Assert.Equal("{\"RequestId\":\"" + RequestId + "\",\"AppDNS\":[\"1.1.1.1\",\"8.8.8.8\"],\"RecoveredDNS\":[]}", json);
    }

    [Fact]
    public void Write_JsonIntLongAndBool_WrittenAsNumbersAndBooleans()
    {
        var json = Json(new ResponseBody
        {
            { "UserCount", 100 },
            { "CreateTime", 1_704_067_200_000L },
            { "Max", long.MaxValue },
            { "Negative", -1 },
            { "Flag", true },
            { "Other", false },
        });

        Assert.Equal(
            "{\"RequestId\":\"" + RequestId + "\",\"UserCount\":100,\"CreateTime\":1704067200000,\"Max\":9223372036854775807,\"Negative\":-1,\"Flag\":true,\"Other\":false}",
            json);
    }

    [Fact]
    public void Write_JsonNestedBody_IsANestedObject()
    {
        var json = Json(new ResponseBody { { "Config", new ResponseBody { { "A", "x" }, { "B", 2 } } } });

        Assert.Equal("{\"RequestId\":\"" + RequestId + "\",\"Config\":{\"A\":\"x\",\"B\":2}}", json);
    }

    [Fact]
    public void Write_JsonStringsNeedingEscapes_EscapedAndNonAsciiKept()
    {
        const string value = "Quote \" backslash \\ newline \n tab \t café 中文 <tag> & 'single'";

        var json = Json(new ResponseBody { { "Description", value } });

        Assert.Contains("\"Quote \\\" backslash \\\\ newline \\n tab \\t café 中文 ", json, StringComparison.Ordinal);
        Assert.DoesNotContain("\\u", json, StringComparison.Ordinal);
        using var document = JsonDocument.Parse(json);
        Assert.Equal(value, document.RootElement.GetProperty("Description").GetString());
    }

    [Fact]
    public void Write_JsonEmptyString_IsAnEmptyJsonString()
    {
        Assert.Equal("{\"RequestId\":\"" + RequestId + "\",\"ClientIp\":\"\"}", Json(new ResponseBody { { "ClientIp", "" } }));
    }

    [Fact]
    public void Write_JsonUnsupportedValue_Throws()
    {
        Assert.Throws<InvalidOperationException>(() => Json(new ResponseBody { { "When", DateTime.UnixEpoch } }));
    }

    [Fact]
    public void Write_XmlKickOutClients_DeclarationAndActionNamedRootHoldingRequestId()
    {
        var xml = Xml("KickOutClients", ResponseBody.Empty);

        Assert.Equal("<?xml version=\"1.0\" encoding=\"utf-8\"?><KickOutClients><RequestId>" + RequestId + "</RequestId></KickOutClients>", xml);
        var document = XDocument.Parse(xml);
        Assert.Equal("KickOutClients", document.Root!.Name.LocalName);
        Assert.Equal(["RequestId"], document.Root.Elements().Select(e => e.Name.LocalName));
        Assert.Equal(RequestId, document.Root.Element("RequestId")!.Value);
    }

    [Fact]
    public void Write_Xml_HasNoByteOrderMark()
    {
        var bytes = ResponseWriter.Write(ResponseFormat.Xml, "KickOutClients", RequestId, ResponseBody.Empty);

        Assert.Equal((byte)'<', bytes[0]);
    }

    [Fact]
    public void Write_XmlWrappedList_WrapperHoldsOneElementPerItem()
    {
        var xml = Xml("DescribeSmartAccessGatewayClientUsers", UserList(("alice.smith", 2000), ("bob.jones", 500)));

        var root = XDocument.Parse(xml).Root!;
        Assert.Equal("DescribeSmartAccessGatewayClientUsers", root.Name.LocalName);
        Assert.Equal(["RequestId", "TotalCount", "PageNumber", "PageSize", "Users"], root.Elements().Select(e => e.Name.LocalName));
        Assert.Equal("2", root.Element("TotalCount")!.Value);
        var users = root.Element("Users")!.Elements().ToList();
        Assert.Equal(["User", "User"], users.Select(e => e.Name.LocalName));
        Assert.Equal("alice.smith", users[0].Element("UserName")!.Value);
        Assert.Equal("2000", users[0].Element("Bandwidth")!.Value);
        Assert.Equal("bob.jones", users[1].Element("UserName")!.Value);
        Assert.Equal("500", users[1].Element("Bandwidth")!.Value);
        Assert.Contains("<Users><User><UserName>alice.smith</UserName><Bandwidth>2000</Bandwidth></User><User>", xml, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_XmlEmptyWrappedList_EmptyWrapperElement()
    {
        var root = XDocument.Parse(Xml("DescribeSmartAccessGatewayClientUsers", UserList())).Root!;

        var users = root.Element("Users")!;
        Assert.Empty(users.Elements());
        Assert.Equal("", users.Value);
    }

    [Fact]
    public void Write_XmlPlainList_RepeatsTheFieldElementPerItem()
    {
        var xml = Xml("DescribeClientUserDNS", new ResponseBody
        {
            { "AppDNS", new PlainList(["1.1.1.1", "8.8.8.8"]) },
            { "RecoveredDNS", new PlainList(["9.9.9.9"]) },
        });

        Assert.Equal(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><DescribeClientUserDNS><RequestId>" + RequestId + "</RequestId>" +
            "<AppDNS>1.1.1.1</AppDNS><AppDNS>8.8.8.8</AppDNS><RecoveredDNS>9.9.9.9</RecoveredDNS></DescribeClientUserDNS>",
            xml);
        var root = XDocument.Parse(xml).Root!;
        Assert.Equal(["1.1.1.1", "8.8.8.8"], root.Elements("AppDNS").Select(e => e.Value));
    }

    [Fact]
    public void Write_XmlNumbersAndBooleans_WrittenInvariantly()
    {
        var root = XDocument.Parse(Xml("X", new ResponseBody { { "A", -5 }, { "B", 1_704_067_200_000L }, { "C", true }, { "D", false } })).Root!;

        Assert.Equal("-5", root.Element("A")!.Value);
        Assert.Equal("1704067200000", root.Element("B")!.Value);
        Assert.Equal("true", root.Element("C")!.Value);
        Assert.Equal("false", root.Element("D")!.Value);
    }

    [Fact]
    public void Write_XmlStringsNeedingEscapes_RoundTripWithNonAsciiKept()
    {
        const string value = "a < b & c > d \"q\" 'single' café 中文";

        var xml = Xml("X", new ResponseBody { { "Description", value } });

        Assert.Contains("a &lt; b &amp; c &gt; d", xml, StringComparison.Ordinal);
        Assert.Contains("café 中文", xml, StringComparison.Ordinal);
        Assert.Equal(value, XDocument.Parse(xml).Root!.Element("Description")!.Value);
    }

    [Fact]
    public void Write_XmlNestedBody_NestedElements()
    {
        var root = XDocument.Parse(Xml("X", new ResponseBody { { "Config", new ResponseBody { { "A", "x" }, { "B", 2 } } } })).Root!;

        Assert.Equal("x", root.Element("Config")!.Element("A")!.Value);
        Assert.Equal("2", root.Element("Config")!.Element("B")!.Value);
    }

    /// <summary>A value stored before input was checked (issue 9 item 11) must not turn the whole list into a 500.</summary>
    [Fact]
    public void Write_XmlStoredValueWithControlCharacter_AnsweredWithReplacementCharacter()
    {
        var xml = Xml("DescribeSmartAccessGateways", new ResponseBody
        {
            { "SmartAccessGateways", new WrappedList("SmartAccessGateway", [new ResponseBody { { "Description", "ok\u0001desc" } }]) },
            { "AppDNS", new PlainList(["1.1.1.1\u0000"]) },
        });

        var root = XDocument.Parse(xml).Root!;
        Assert.Equal("ok\uFFFDdesc", root.Element("SmartAccessGateways")!.Element("SmartAccessGateway")!.Element("Description")!.Value);
        Assert.Equal("1.1.1.1\uFFFD", root.Element("AppDNS")!.Value);
    }

    [Fact]
    public void Write_JsonStoredValueWithControlCharacterOrLoneSurrogate_AnsweredAsInXml()
    {
        var json = Json(new ResponseBody
        {
            { "Description", "ok\u0001desc" },
            { "UserMail", "a\uD83Db@example.com" },
            { "AppDNS", new PlainList(["x\uDE00"]) },
        });

        using var document = JsonDocument.Parse(json);
        Assert.Equal("ok\uFFFDdesc", document.RootElement.GetProperty("Description").GetString());
        Assert.Equal("a\uFFFDb@example.com", document.RootElement.GetProperty("UserMail").GetString());
        Assert.Equal("x\uFFFD", document.RootElement.GetProperty("AppDNS")[0].GetString());
    }

    [Fact]
    public void Write_XmlErrorEchoingAParameterNameWithControlCharacters_DoesNotThrow()
    {
        var xml = Xml("Error", new ResponseBody { { "Message", "The specified value of parameter \"A\u0001\u001B\" is not valid." } });

        Assert.Equal("The specified value of parameter \"A\uFFFD\uFFFD\" is not valid.", XDocument.Parse(xml).Root!.Element("Message")!.Value);
    }

    [Fact]
    public void Write_XmlCarriageReturnAndLineFeed_RoundTripExactly()
    {
        const string value = "line one\r\nline two\rthree\tfour";

        var xml = Xml("X", new ResponseBody { { "Description", value } });

        Assert.Equal(value, XDocument.Parse(xml).Root!.Element("Description")!.Value);
    }
}
