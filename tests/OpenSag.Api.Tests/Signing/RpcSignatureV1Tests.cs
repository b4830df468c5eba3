using OpenSag.Api.Signing;
using OpenSag.Api.Tests.Support;

namespace OpenSag.Api.Tests.Signing;

/// <summary>Signature v1 against the worked examples of spec/smartag-api.md §2.3, byte for byte.</summary>
public class RpcSignatureV1Tests
{
    private const string Secret = "testsecret";

    // ECS DescribeRegions, the official example: parameters in the order the page prints them.
    private static readonly KeyValuePair<string, string>[] DescribeRegions =
    [
        new("Timestamp", "2016-02-23T12:46:24Z"),
        new("Format", "XML"),
        new("AccessKeyId", "testid"),
        new("Action", "DescribeRegions"),
        new("SignatureMethod", "HMAC-SHA1"),
        new("SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"),
        new("Version", "2014-05-26"),
        new("SignatureVersion", "1.0"),
    ];

    private const string DescribeRegionsCanonical =
        "AccessKeyId=testid&Action=DescribeRegions&Format=XML&SignatureMethod=HMAC-SHA1&SignatureNonce=3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf&SignatureVersion=1.0&Timestamp=2016-02-23T12%3A46%3A24Z&Version=2014-05-26";

    private const string DescribeRegionsStringToSign =
        "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26";

    private static readonly KeyValuePair<string, string>[] KickOutClients =
    [
        new("Action", "KickOutClients"),
        new("Format", "JSON"),
        new("Version", "2018-03-13"),
        new("AccessKeyId", "testid"),
        new("SignatureMethod", "HMAC-SHA1"),
        new("SignatureVersion", "1.0"),
        new("SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"),
        new("Timestamp", "2024-01-01T00:00:00Z"),
        new("RegionId", "cn-shanghai"),
        new("SmartAGId", "sag-ehjfb1234"),
        new("Username", "doctest"),
    ];

    private const string KickOutClientsCanonical =
        "AccessKeyId=testid&Action=KickOutClients&Format=JSON&RegionId=cn-shanghai&SignatureMethod=HMAC-SHA1&SignatureNonce=3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf&SignatureVersion=1.0&SmartAGId=sag-ehjfb1234&Timestamp=2024-01-01T00%3A00%3A00Z&Username=doctest&Version=2018-03-13";

    private const string KickOutClientsGetStringToSign =
        "GET&%2F&AccessKeyId%3Dtestid%26Action%3DKickOutClients%26Format%3DJSON%26RegionId%3Dcn-shanghai%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0%26SmartAGId%3Dsag-ehjfb1234%26Timestamp%3D2024-01-01T00%253A00%253A00Z%26Username%3Ddoctest%26Version%3D2018-03-13";

    [Fact]
    public void CanonicalQueryString_DescribeRegionsExample_SortedAndEncodedAsDocumented()
    {
        Assert.Equal(DescribeRegionsCanonical, RpcSignatureV1.CanonicalQueryString(DescribeRegions));
    }

    [Fact]
    public void StringToSign_DescribeRegionsExample_EncodesTheCanonicalStringTwice()
    {
        Assert.Equal(DescribeRegionsStringToSign, RpcSignatureV1.StringToSign("GET", DescribeRegions));
    }

    [Fact]
    public void Sign_DescribeRegionsStringToSign_MatchesTheOfficialSignature()
    {
        Assert.Equal("OLeaidS1JvxuMvnyHOwuJ+uX5qY=", RpcSignatureV1.Sign(DescribeRegionsStringToSign, Secret));
    }

    [Fact]
    public void Sign_DescribeRegionsParameters_MatchesTheOfficialSignature()
    {
        Assert.Equal("OLeaidS1JvxuMvnyHOwuJ+uX5qY=", RpcSignatureV1.Sign("GET", DescribeRegions, Secret));
    }

    [Fact]
    public void Sign_DescribeRegionsSignature_UrlFormIsTheDocumentedOne()
    {
        Assert.Equal("OLeaidS1JvxuMvnyHOwuJ%2BuX5qY%3D", PercentEncoding.Encode(RpcSignatureV1.Sign("GET", DescribeRegions, Secret)));
    }

    [Fact]
    public async Task Sign_DescribeRegionsReadOffTheWire_MatchesTheOfficialSignature()
    {
        // The request line exactly as the page prints it: unsorted, ':' left raw in the Timestamp.
        var request = await Requests.ReadAsync("GET",
            "Timestamp=2016-02-23T12:46:24Z&Format=XML&AccessKeyId=testid&Action=DescribeRegions&SignatureMethod=HMAC-SHA1&SignatureNonce=3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf&Version=2014-05-26&SignatureVersion=1.0");

        Assert.Equal(DescribeRegionsStringToSign, RpcSignatureV1.StringToSign(request.Method, request.Parameters));
        Assert.Equal("OLeaidS1JvxuMvnyHOwuJ+uX5qY=", RpcSignatureV1.Sign(request.Method, request.Parameters, Secret));
    }

    [Fact]
    public void Sign_SmartagDescribeSmartAccessGatewaysExample_MatchesTheComputedSignature()
    {
        KeyValuePair<string, string>[] parameters =
        [
            new("Action", "DescribeSmartAccessGateways"),
            new("Timestamp", "2016-04-23T12:46:24Z"),
            new("Format", "XML"),
            new("AccessKeyId", "testid"),
            new("SignatureMethod", "HMAC-SHA1"),
            new("SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"),
            new("Version", "2018-03-13"),
            new("SignatureVersion", "1.0"),
        ];

        Assert.Equal("RVQhqN6pCc27CTt9ayuQFrUxfqc=", RpcSignatureV1.Sign("GET", parameters, Secret));
    }

    [Fact]
    public void CanonicalQueryString_KickOutClientsExample_MatchesTheSpec()
    {
        Assert.Equal(KickOutClientsCanonical, RpcSignatureV1.CanonicalQueryString(KickOutClients));
    }

    [Fact]
    public void StringToSign_KickOutClientsGet_MatchesTheSpec()
    {
        Assert.Equal(KickOutClientsGetStringToSign, RpcSignatureV1.StringToSign("GET", KickOutClients));
    }

    [Fact]
    public void StringToSign_KickOutClientsPost_StartsWithPostAndSameEncodedCanonicalString()
    {
        Assert.Equal("POST" + KickOutClientsGetStringToSign["GET".Length..], RpcSignatureV1.StringToSign("POST", KickOutClients));
    }

    [Fact]
    public void Sign_KickOutClientsGet_MatchesTheSpec()
    {
        Assert.Equal("Nnd8wRHCoBGCg1tJ21Whb9RiwwM=", RpcSignatureV1.Sign("GET", KickOutClients, Secret));
    }

    [Fact]
    public void Sign_KickOutClientsPost_MatchesTheSpec()
    {
        Assert.Equal("OXA2rNyT5dq1Vgk+DTsh3lTpFLc=", RpcSignatureV1.Sign("POST", KickOutClients, Secret));
    }

    [Fact]
    public void StringToSign_LowerCaseMethod_IsUpperCased()
    {
        Assert.Equal(KickOutClientsGetStringToSign, RpcSignatureV1.StringToSign("get", KickOutClients));
    }

    [Fact]
    public void CanonicalQueryString_SignatureParameterPresent_IsLeftOut()
    {
        KeyValuePair<string, string>[] signed = [.. KickOutClients, new("Signature", "Nnd8wRHCoBGCg1tJ21Whb9RiwwM=")];

        Assert.Equal(KickOutClientsCanonical, RpcSignatureV1.CanonicalQueryString(signed));
        Assert.Equal("Nnd8wRHCoBGCg1tJ21Whb9RiwwM=", RpcSignatureV1.Sign("GET", signed, Secret));
    }

    [Fact]
    public void CanonicalQueryString_NamesDifferingInCase_SortOrdinallyUpperCaseFirst()
    {
        KeyValuePair<string, string>[] parameters = [new("b", "1"), new("a", "2"), new("B", "3"), new("A", "4"), new("UserNames.10", "x"), new("UserNames.2", "y")];

        Assert.Equal("A=4&B=3&UserNames.10=x&UserNames.2=y&a=2&b=1", RpcSignatureV1.CanonicalQueryString(parameters));
    }

    [Fact]
    public void CanonicalQueryString_ValuesNeedingEscapes_UseUpperCaseHexAndPercent20()
    {
        KeyValuePair<string, string>[] parameters = [new("Description", "a b*c~d+e/é")];

        Assert.Equal("Description=a%20b%2Ac~d%2Be%2F%C3%A9", RpcSignatureV1.CanonicalQueryString(parameters));
    }
}
