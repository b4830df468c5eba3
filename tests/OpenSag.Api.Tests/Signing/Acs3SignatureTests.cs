using System.Security.Cryptography;
using OpenSag.Api.Signing;

namespace OpenSag.Api.Tests.Signing;

/// <summary>Signature V3 (ACS3-HMAC-SHA256) against the RunInstances worked example of spec/smartag-api.md §3.2.</summary>
public class Acs3SignatureTests
{
    private const string Secret = "YourAccessKeySecret";

    private static readonly KeyValuePair<string, string>[] Query =
    [
        new("RegionId", "cn-shanghai"),
        new("ImageId", "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd"),
    ];

    // Deliberately unsorted and in mixed case: the canonical request sorts and lower-cases them.
    private static readonly KeyValuePair<string, string>[] Headers =
    [
        new("x-acs-version", "2014-05-26"),
        new("Host", "ecs.cn-shanghai.aliyuncs.com"),
        new("x-acs-action", "RunInstances"),
        new("x-acs-date", "2023-10-26T09:01:01Z"),
        new("x-acs-signature-nonce", "d410180a5abf7fe235dd9b74aca91fc0"),
        new("x-acs-content-sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    ];

    private const string CanonicalRequest =
        "POST\n" +
        "/\n" +
        "ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai\n" +
        "host:ecs.cn-shanghai.aliyuncs.com\n" +
        "x-acs-action:RunInstances\n" +
        "x-acs-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n" +
        "x-acs-date:2023-10-26T09:01:01Z\n" +
        "x-acs-signature-nonce:d410180a5abf7fe235dd9b74aca91fc0\n" +
        "x-acs-version:2014-05-26\n" +
        "\n" +
        "host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version\n" +
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    private const string StringToSign = "ACS3-HMAC-SHA256\n29622f5feb1e9fcaaa2e276a72889c975f7b16f00e02be1ca34965b18cd85015";

    private const string Signature = "e521358f7776c97df52e6b2891a8bc73026794a071b50c3323388c4e0df64804";

    [Fact]
    public void EmptyPayloadHash_Constant_IsSha256OfEmptyInput()
    {
        var computed = Convert.ToHexStringLower(SHA256.HashData([]));

        Assert.Equal(Acs3Signature.EmptyPayloadHash, computed);
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", computed);
    }

    [Fact]
    public void HashPayload_EmptyBody_EqualsEmptyPayloadHash()
    {
        Assert.Equal(Acs3Signature.EmptyPayloadHash, Acs3Signature.HashPayload([]));
    }

    [Fact]
    public void HashPayload_FormBody_IsLowerCaseHexSha256()
    {
        // sha256("abc"), the FIPS 180-2 test vector.
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Acs3Signature.HashPayload("abc"u8));
    }

    [Fact]
    public void CanonicalRequest_RunInstancesExample_IsExactlyTheSpecText()
    {
        Assert.Equal(CanonicalRequest, Acs3Signature.CanonicalRequest("POST", "/", Query, Headers, Acs3Signature.EmptyPayloadHash));
    }

    [Fact]
    public void StringToSign_RunInstancesCanonicalRequest_HashesToTheSpecValue()
    {
        Assert.Equal(StringToSign, Acs3Signature.StringToSign(CanonicalRequest));
    }

    [Fact]
    public void Sign_RunInstancesStringToSign_MatchesTheDocumentedSignature()
    {
        Assert.Equal(Signature, Acs3Signature.Sign(StringToSign, Secret));
    }

    [Fact]
    public void AuthorizationHeader_RunInstancesExample_MatchesTheDocumentedHeader()
    {
        Assert.Equal(
            "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=e521358f7776c97df52e6b2891a8bc73026794a071b50c3323388c4e0df64804",
            Acs3Signature.AuthorizationHeader("YourAccessKeyId", Headers.Select(h => h.Key), Signature));
    }

    [Fact]
    public void CanonicalRequest_NoQueryAndPaddedHeaderValue_EmptyQueryLineAndTrimmedValue()
    {
        var canonical = Acs3Signature.CanonicalRequest("post", "/", [], [new("x-acs-action", "  KickOutClients ")], Acs3Signature.EmptyPayloadHash);

        Assert.Equal("POST\n/\n\nx-acs-action:KickOutClients\n\nx-acs-action\n" + Acs3Signature.EmptyPayloadHash, canonical);
    }

    [Fact]
    public void CanonicalRequest_QueryValueNeedingEscapes_UsesUpperCaseHexAndPercent20()
    {
        var canonical = Acs3Signature.CanonicalRequest("GET", "/", [new("Name", "a b*c~中")], [], Acs3Signature.EmptyPayloadHash);

        Assert.Equal("GET\n/\nName=a%20b%2Ac~%E4%B8%AD\n\n\n" + Acs3Signature.EmptyPayloadHash, canonical);
    }
}
