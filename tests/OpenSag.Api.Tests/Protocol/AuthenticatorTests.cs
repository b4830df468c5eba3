using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using OpenSag.Api.Protocol;
using OpenSag.Api.Signing;
using OpenSag.Api.Tests.Support;
using OpenSag.Domain;
using OpenSag.Errors;

namespace OpenSag.Api.Tests.Protocol;

/// <summary>
/// Signature v1 and V3 verification, the 15-minute timestamp window and nonce replay
/// (DESIGN.md §2, spec/smartag-api.md §2.2, §2.4, §3.1–§3.3).
/// </summary>
public class AuthenticatorTests
{
    private const string KeyId = "LTAI5tOpenSagTestKey";
    private const string Secret = "s3cr3t-0f-the-test-key";
    private const string Host = "smartag.cn-shanghai.example.test";
    private const string EmptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    private static readonly DateTimeOffset Now = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly ManualTimeProvider _time = new(Now);
    private readonly Authenticator _authenticator;

    public AuthenticatorTests()
    {
        var store = new InMemoryAccessKeyStore(
            new AccessKey(KeyId, Secret, Enabled: true, Now.AddDays(-1)),
            new AccessKey("LTAI5tDisabledKey", "disabled-secret", Enabled: false, Now.AddDays(-1)));
        _authenticator = new Authenticator(store, new NonceLedger(_time), _time);
    }

    private static string Timestamp(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>The common v1 parameters plus KickOutClients' own, as pop-core sends them.</summary>
    private static List<KeyValuePair<string, string>> V1Parameters(string nonce = "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf", string? timestamp = null, string accessKeyId = KeyId) =>
    [
        new("AccessKeyId", accessKeyId),
        new("Action", "KickOutClients"),
        new("Format", "JSON"),
        new("RegionId", "cn-shanghai"),
        new("SignatureMethod", "HMAC-SHA1"),
        new("SignatureNonce", nonce),
        new("SignatureVersion", "1.0"),
        new("SmartAGId", "sag-0123456789abcdefghij"),
        new("Timestamp", timestamp ?? Timestamp(Now)),
        new("Username", "José 中文 \"q\" a+b*c~d"),
        new("Version", "2018-03-13"),
    ];

    private static List<KeyValuePair<string, string>> SignedV1(string method, List<KeyValuePair<string, string>> parameters, string secret = Secret) =>
        [.. parameters, new("Signature", RpcSignatureV1.Sign(method, parameters, secret))];

    private static Task<RpcRequest> V1GetAsync(List<KeyValuePair<string, string>> parameters, string secret = Secret) =>
        Requests.ReadAsync("GET", Requests.Encode(SignedV1("GET", parameters, secret)));

    private Task<AccessKey> AuthenticateAsync(RpcRequest request) =>
        _authenticator.AuthenticateAsync(request, CancellationToken.None).WaitAsync(Requests.Timeout);

    /// <summary>The error as the caller receives it.</summary>
    private async Task<ErrorDefinition> RefusedAsync(RpcRequest request)
    {
        var exception = await Assert.ThrowsAsync<ApiException>(() => AuthenticateAsync(request));
        return exception.WireError;
    }

    /// <summary>What openapi-client sends under V3 (spec §3.1): all business parameters in the query of a POST.</summary>
    private sealed record V3Call(string Method, List<KeyValuePair<string, string>> Query, byte[] Body, string? ContentType, Dictionary<string, string> Headers)
    {
        /// <summary>The path the call is signed for (its canonical URI) and sent to.</summary>
        public string Path { get; init; } = "/";

        public static V3Call KickOutClients(DateTimeOffset at, string nonce = "d410180a5abf7fe235dd9b74aca91fc0", byte[]? body = null, string? contentType = null) => new(
            "POST",
            [new("RegionId", "cn-shanghai"), new("SmartAGId", "sag-0123456789abcdefghij"), new("Username", "José a+b*c~d")],
            body ?? [],
            contentType,
            new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["host"] = Host,
                ["x-acs-action"] = "KickOutClients",
                ["x-acs-version"] = "2018-03-13",
                ["x-acs-date"] = Timestamp(at),
                ["x-acs-signature-nonce"] = nonce,
                ["x-acs-content-sha256"] = Acs3Signature.HashPayload(body ?? []),
            });

        /// <summary>Signs every header in <see cref="Headers"/> (plus content-type when there is a body), as the Tea SDKs do.</summary>
        public string Authorization(string accessKeyId = KeyId, string secret = Secret, IEnumerable<string>? signedHeaderNames = null)
        {
            var signed = new Dictionary<string, string>(Headers, StringComparer.Ordinal);
            if (ContentType is not null)
            {
                signed["content-type"] = ContentType;
            }

            var names = (signedHeaderNames ?? signed.Keys).ToList();
            var canonical = Acs3Signature.CanonicalRequest(Method, Path, Query, names.Select(n => KeyValuePair.Create(n, signed[n])), Headers["x-acs-content-sha256"]);
            var signature = Acs3Signature.Sign(Acs3Signature.StringToSign(canonical), secret);
            return Acs3Signature.AuthorizationHeader(accessKeyId, names, signature);
        }

        public HttpContext ToHttp(string authorization, List<KeyValuePair<string, string>>? query = null, byte[]? body = null)
        {
            var context = Requests.Context(Method, Requests.Encode(query ?? Query), host: Headers["host"]);
            context.Request.Path = Path;
            foreach (var (name, value) in Headers.Where(h => h.Key != "host"))
            {
                context.Request.Headers[name] = value;
            }

            context.Request.Headers.Authorization = authorization;
            var bytes = body ?? Body;
            if (bytes.Length > 0)
            {
                context.Request.Body = new MemoryStream(bytes);
                context.Request.ContentLength = bytes.Length;
                context.Request.ContentType = ContentType;
            }

            return context;
        }
    }

    [Fact]
    public async Task AuthenticateAsync_V1SignedGet_ReturnsTheKey()
    {
        var key = await AuthenticateAsync(await V1GetAsync(V1Parameters()));

        Assert.Equal(KeyId, key.AccessKeyId);
        Assert.True(key.Enabled);
    }

    [Fact]
    public async Task AuthenticateAsync_V1SignedPostWithParametersSplitBetweenQueryAndBody_ReturnsTheKey()
    {
        var signed = SignedV1("POST", V1Parameters());
        var inQuery = signed.Where(p => p.Key is "Action" or "Version" or "Format").ToList();
        var inBody = signed.Except(inQuery).ToList();

        var request = await Requests.ReadAsync("POST", Requests.Encode(inQuery), Requests.Encode(inBody));
        var key = await AuthenticateAsync(request);

        Assert.Equal(KeyId, key.AccessKeyId);
    }

    [Fact]
    public async Task AuthenticateAsync_V1GetSignedForPost_SignatureDoesNotMatch()
    {
        var request = await Requests.ReadAsync("GET", Requests.Encode(SignedV1("POST", V1Parameters())));

        var error = await RefusedAsync(request);

        Assert.Equal("SignatureDoesNotMatch", error.Code);
    }

    [Fact]
    public async Task AuthenticateAsync_V1LowerCaseEscapesUnsorted_ReturnsTheKey()
    {
        // The 2018-03-13 .NET SDK's wire form (spec §2.2): lower-case hex, parameters in no particular order.
        var signed = SignedV1("GET", V1Parameters());
        signed.Reverse();
        var query = string.Join('&', signed.Select(p => p.Key + "=" + LowerCaseHex(PercentEncoding.Encode(p.Value))));

        var key = await AuthenticateAsync(await Requests.ReadAsync("GET", query));

        Assert.Equal(KeyId, key.AccessKeyId);
    }

    private static string LowerCaseHex(string encoded)
    {
        var builder = new StringBuilder(encoded);
        for (var i = 0; i < builder.Length; i++)
        {
            if (builder[i] == '%')
            {
                builder[i + 1] = char.ToLowerInvariant(builder[i + 1]);
                builder[i + 2] = char.ToLowerInvariant(builder[i + 2]);
            }
        }

        return builder.ToString();
    }

    [Fact]
    public async Task AuthenticateAsync_V1WrongSecret_SignatureDoesNotMatchWithServerStringToSign()
    {
        var parameters = V1Parameters();

        var error = await RefusedAsync(await V1GetAsync(parameters, secret: "not-the-secret"));

        Assert.Equal("SignatureDoesNotMatch", error.Code);
        Assert.Equal(400, error.HttpStatus);
        const string prefix = "Specified signature is not matched with our calculation. server string to sign is:";
        Assert.StartsWith(prefix, error.Message, StringComparison.Ordinal);
        Assert.Equal(RpcSignatureV1.StringToSign("GET", parameters), error.Message[prefix.Length..]);
    }

    [Fact]
    public async Task AuthenticateAsync_V1WrongSecret_WhatMayBeLoggedCarriesNoStringToSign()
    {
        var parameters = V1Parameters();
        parameters.Add(new("Password", "Hunter2-not-for-logs"));

        var exception = await Assert.ThrowsAsync<ApiException>(async () => await AuthenticateAsync(await V1GetAsync(parameters, secret: "not-the-secret")));

        Assert.Equal(ErrorCatalogue.SignatureDoesNotMatch, exception.Error);
        Assert.DoesNotContain("Hunter2", exception.Message, StringComparison.Ordinal);
        Assert.Contains("Hunter2-not-for-logs", exception.WireError.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuthenticateAsync_V1TamperedValue_SignatureDoesNotMatch()
    {
        var signed = SignedV1("GET", V1Parameters());
        var tampered = signed.Select(p => p.Key == "Username" ? KeyValuePair.Create(p.Key, "mallory1") : p).ToList();

        var error = await RefusedAsync(await Requests.ReadAsync("GET", Requests.Encode(tampered)));

        Assert.Equal("SignatureDoesNotMatch", error.Code);
    }

    [Fact]
    public async Task AuthenticateAsync_V1UnknownAccessKey_InvalidAccessKeyIdNotFound()
    {
        var error = await RefusedAsync(await V1GetAsync(V1Parameters(accessKeyId: "LTAI5tNobodyHasThis")));

        Assert.Equal("InvalidAccessKeyId.NotFound", error.Code);
        Assert.Equal(404, error.HttpStatus);
        Assert.Equal("Specified access key is not found.", error.Message);
    }

    [Fact]
    public async Task AuthenticateAsync_V1DisabledAccessKey_InvalidAccessKeyIdInactive()
    {
        var error = await RefusedAsync(await V1GetAsync(V1Parameters(accessKeyId: "LTAI5tDisabledKey"), secret: "disabled-secret"));

        Assert.Equal("InvalidAccessKeyId.Inactive", error.Code);
        Assert.Equal(400, error.HttpStatus);
    }

    [Theory]
    [InlineData(-16)]
    [InlineData(16)]
    public async Task AuthenticateAsync_V1TimestampSixteenMinutesOff_InvalidTimeStampExpired(int minutes)
    {
        var error = await RefusedAsync(await V1GetAsync(V1Parameters(timestamp: Timestamp(Now.AddMinutes(minutes)))));

        Assert.Equal("InvalidTimeStamp.Expired", error.Code);
        Assert.Equal(400, error.HttpStatus);
        Assert.Equal("Specified time stamp or date value is expired.", error.Message);
    }

    [Theory]
    [InlineData(-15)]
    [InlineData(15)]
    public async Task AuthenticateAsync_V1TimestampExactlyFifteenMinutesOff_Accepted(int minutes)
    {
        var key = await AuthenticateAsync(await V1GetAsync(V1Parameters(timestamp: Timestamp(Now.AddMinutes(minutes)))));

        Assert.Equal(KeyId, key.AccessKeyId);
    }

    [Fact]
    public async Task AuthenticateAsync_V1TimestampWithMilliseconds_Accepted()
    {
        var key = await AuthenticateAsync(await V1GetAsync(V1Parameters(timestamp: "2024-01-01T00:00:00.123Z")));

        Assert.Equal(KeyId, key.AccessKeyId);
    }

    [Theory]
    [InlineData("yesterday")]
    [InlineData("2024-01-01 00:00:00")]
    [InlineData("2024-01-01T00:00:00")]
    [InlineData("2024-13-01T00:00:00Z")]
    [InlineData("1704067200")]
    public async Task AuthenticateAsync_V1GarbageTimestamp_InvalidTimeStampFormat(string timestamp)
    {
        var error = await RefusedAsync(await V1GetAsync(V1Parameters(timestamp: timestamp)));

        Assert.Equal("InvalidTimeStamp.Format", error.Code);
        Assert.Equal(400, error.HttpStatus);
        Assert.Equal("Specified time stamp or date value is not well formatted.", error.Message);
    }

    [Fact]
    public async Task AuthenticateAsync_V1SameNonceTwice_SecondIsSignatureNonceUsed()
    {
        var parameters = V1Parameters(nonce: "f0e1d2c3b4a5968778695a4b3c2d1e0f");
        await AuthenticateAsync(await V1GetAsync(parameters));
        _time.Advance(TimeSpan.FromSeconds(30));

        var error = await RefusedAsync(await V1GetAsync(parameters));

        Assert.Equal("SignatureNonceUsed", error.Code);
        Assert.Equal(400, error.HttpStatus);
        Assert.Equal("Specified signature nonce was used already.", error.Message);
    }

    [Fact]
    public async Task AuthenticateAsync_V1DifferentNonces_BothAccepted()
    {
        await AuthenticateAsync(await V1GetAsync(V1Parameters(nonce: "nonce-one")));

        var key = await AuthenticateAsync(await V1GetAsync(V1Parameters(nonce: "nonce-two")));

        Assert.Equal(KeyId, key.AccessKeyId);
    }

    [Fact]
    public async Task AuthenticateAsync_V1NonceOfAForgedRequest_NotBurnt()
    {
        var parameters = V1Parameters(nonce: "nonce-a-forger-tried");
        await RefusedAsync(await V1GetAsync(parameters, secret: "forged"));

        var key = await AuthenticateAsync(await V1GetAsync(parameters));

        Assert.Equal(KeyId, key.AccessKeyId);
    }

    /// <summary>
    /// The timestamp is accepted up to issuedAt + 15 min inclusive, so the nonce must still be remembered at that
    /// very instant, or the same request would be accepted twice there.
    /// </summary>
    [Fact]
    public async Task AuthenticateAsync_V1ReplayAtTheLastAcceptedInstant_SignatureNonceUsed()
    {
        var parameters = V1Parameters(nonce: "nonce-at-the-edge", timestamp: Timestamp(Now.AddMinutes(-15)));
        await AuthenticateAsync(await V1GetAsync(parameters));

        var error = await RefusedAsync(await V1GetAsync(parameters));

        Assert.Equal("SignatureNonceUsed", error.Code);
    }

    [Fact]
    public async Task AuthenticateAsync_V1NonceReusedOnceItsTimestampExpired_InvalidTimeStampExpired()
    {
        var parameters = V1Parameters(nonce: "nonce-much-later");
        await AuthenticateAsync(await V1GetAsync(parameters));
        _time.Advance(TimeSpan.FromMinutes(16));

        var error = await RefusedAsync(await V1GetAsync(parameters));

        Assert.Equal("InvalidTimeStamp.Expired", error.Code);
    }

    [Theory]
    [InlineData("AccessKeyId")]
    [InlineData("Timestamp")]
    [InlineData("SignatureNonce")]
    public async Task AuthenticateAsync_V1WithoutARequiredParameter_MissingThatParameter(string name)
    {
        var parameters = V1Parameters().Where(p => p.Key != name).ToList();

        var error = await RefusedAsync(await V1GetAsync(parameters));

        Assert.Equal("Missing" + name, error.Code);
        Assert.Equal(400, error.HttpStatus);
        Assert.Equal(name + " is mandatory for this action.", error.Message);
    }

    [Fact]
    public async Task AuthenticateAsync_V1WithoutSignature_MissingSignature()
    {
        var error = await RefusedAsync(await Requests.ReadAsync("GET", Requests.Encode(V1Parameters())));

        Assert.Equal("MissingSignature", error.Code);
    }

    [Fact]
    public async Task AuthenticateAsync_V1WithHmacSha256Method_InvalidSignatureMethod()
    {
        var parameters = V1Parameters().Select(p => p.Key == "SignatureMethod" ? KeyValuePair.Create(p.Key, "HMAC-SHA256") : p).ToList();

        var error = await RefusedAsync(await V1GetAsync(parameters));

        Assert.Equal("InvalidSignatureMethod", error.Code);
        Assert.Equal(400, error.HttpStatus);
    }

    [Fact]
    public async Task AuthenticateAsync_V3SignedPostWithoutBody_ReturnsTheKey()
    {
        var call = V3Call.KickOutClients(Now);

        var key = await AuthenticateAsync(await Requests.ReadAsync(call.ToHttp(call.Authorization())));

        Assert.Equal(KeyId, key.AccessKeyId);
        Assert.Equal(EmptyHash, call.Headers["x-acs-content-sha256"]);
    }

    [Fact]
    public async Task AuthenticateAsync_V3SignedForTheOpenSagPath_ReturnsTheKey()
    {
        // OpenSAG's own actions live at /opensag; a V3 client signs the path it calls (spec §3.2 CanonicalURI).
        var call = V3Call.KickOutClients(Now) with { Path = "/opensag" };

        var key = await AuthenticateAsync(await Requests.ReadAsync(call.ToHttp(call.Authorization())));

        Assert.Equal(KeyId, key.AccessKeyId);
    }

    [Fact]
    public async Task AuthenticateAsync_V3SignedForRootSentToAnotherPath_SignatureDoesNotMatch()
    {
        var signedForRoot = V3Call.KickOutClients(Now);
        var sentElsewhere = signedForRoot with { Path = "/opensag" };

        var error = await Assert.ThrowsAsync<ApiException>(async () => await AuthenticateAsync(await Requests.ReadAsync(sentElsewhere.ToHttp(signedForRoot.Authorization()))));

        Assert.Equal("SignatureDoesNotMatch", error.Error.Code);
    }

    [Fact]
    public async Task AuthenticateAsync_V3SignedPostWithFormBody_ReturnsTheKey()
    {
        var call = V3Call.KickOutClients(Now, body: "UserNames.1=alice&UserNames.2=b%C3%B6b"u8.ToArray(), contentType: Requests.FormContentType);

        var key = await AuthenticateAsync(await Requests.ReadAsync(call.ToHttp(call.Authorization())));

        Assert.Equal(KeyId, key.AccessKeyId);
    }

    [Fact]
    public async Task AuthenticateAsync_V3TamperedQueryValue_SignatureDoesNotMatch()
    {
        var call = V3Call.KickOutClients(Now);
        var tampered = call.Query.Select(p => p.Key == "Username" ? KeyValuePair.Create(p.Key, "mallory1") : p).ToList();

        var error = await RefusedAsync(await Requests.ReadAsync(call.ToHttp(call.Authorization(), query: tampered)));

        Assert.Equal("SignatureDoesNotMatch", error.Code);
        Assert.Equal(400, error.HttpStatus);
        Assert.StartsWith("Specified signature is not matched with our calculation. server string to sign is:ACS3-HMAC-SHA256\n", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuthenticateAsync_V3AddedQueryParameter_SignatureDoesNotMatch()
    {
        var call = V3Call.KickOutClients(Now);

        var error = await RefusedAsync(await Requests.ReadAsync(call.ToHttp(call.Authorization(), query: [.. call.Query, new("Extra", "1")])));

        Assert.Equal("SignatureDoesNotMatch", error.Code);
    }

    [Fact]
    public async Task AuthenticateAsync_V3TamperedBodyUnderTheOriginalHash_SignatureDoesNotMatch()
    {
        var call = V3Call.KickOutClients(Now, body: "UserNames.1=alice"u8.ToArray(), contentType: Requests.FormContentType);

        var error = await RefusedAsync(await Requests.ReadAsync(call.ToHttp(call.Authorization(), body: "UserNames.1=mallo"u8.ToArray())));

        Assert.Equal("SignatureDoesNotMatch", error.Code);
        Assert.Equal(400, error.HttpStatus);
    }

    [Fact]
    public async Task AuthenticateAsync_V3TamperedBodyWithItsHashUpdated_SignatureDoesNotMatch()
    {
        var call = V3Call.KickOutClients(Now, body: "UserNames.1=alice"u8.ToArray(), contentType: Requests.FormContentType);
        var authorization = call.Authorization();
        byte[] tamperedBody = "UserNames.1=mallo"u8.ToArray();
        var context = call.ToHttp(authorization, body: tamperedBody);
        context.Request.Headers["x-acs-content-sha256"] = Acs3Signature.HashPayload(tamperedBody);

        var error = await RefusedAsync(await Requests.ReadAsync(context));

        Assert.Equal("SignatureDoesNotMatch", error.Code);
    }

    [Fact]
    public async Task AuthenticateAsync_V3TamperedSignedHeader_SignatureDoesNotMatch()
    {
        var call = V3Call.KickOutClients(Now);
        var context = call.ToHttp(call.Authorization());
        context.Request.Headers["x-acs-action"] = "DeleteSmartAccessGatewayClientUser";

        var error = await RefusedAsync(await Requests.ReadAsync(context));

        Assert.Equal("SignatureDoesNotMatch", error.Code);
    }

    [Fact]
    public async Task AuthenticateAsync_V3OtherHost_SignatureDoesNotMatch()
    {
        var call = V3Call.KickOutClients(Now);
        var context = call.ToHttp(call.Authorization());
        context.Request.Host = new HostString("other.example.test");

        var error = await RefusedAsync(await Requests.ReadAsync(context));

        Assert.Equal("SignatureDoesNotMatch", error.Code);
    }

    [Fact]
    public async Task AuthenticateAsync_V3WrongSecret_SignatureDoesNotMatch()
    {
        var call = V3Call.KickOutClients(Now);

        var error = await RefusedAsync(await Requests.ReadAsync(call.ToHttp(call.Authorization(secret: "not-the-secret"))));

        Assert.Equal("SignatureDoesNotMatch", error.Code);
        Assert.Equal(400, error.HttpStatus);
    }

    [Fact]
    public async Task AuthenticateAsync_V3UnknownAccessKey_InvalidAccessKeyIdNotFound()
    {
        var call = V3Call.KickOutClients(Now);

        var error = await RefusedAsync(await Requests.ReadAsync(call.ToHttp(call.Authorization(accessKeyId: "LTAI5tNobodyHasThis"))));

        Assert.Equal("InvalidAccessKeyId.NotFound", error.Code);
        Assert.Equal(404, error.HttpStatus);
    }

    [Fact]
    public async Task AuthenticateAsync_V3DateSixteenMinutesOld_InvalidTimeStampExpired()
    {
        var call = V3Call.KickOutClients(Now.AddMinutes(-16));

        var error = await RefusedAsync(await Requests.ReadAsync(call.ToHttp(call.Authorization())));

        Assert.Equal("InvalidTimeStamp.Expired", error.Code);
    }

    [Fact]
    public async Task AuthenticateAsync_V3SameNonceTwice_SecondIsSignatureNonceUsed()
    {
        var call = V3Call.KickOutClients(Now, nonce: "0123456789abcdef0123456789abcdef");
        await AuthenticateAsync(await Requests.ReadAsync(call.ToHttp(call.Authorization())));

        var error = await RefusedAsync(await Requests.ReadAsync(call.ToHttp(call.Authorization())));

        Assert.Equal("SignatureNonceUsed", error.Code);
    }

    [Fact]
    public async Task AuthenticateAsync_V3WithoutDateHeader_IncompleteSignature()
    {
        var call = V3Call.KickOutClients(Now);
        var context = call.ToHttp(call.Authorization());
        context.Request.Headers.Remove("x-acs-date");

        var error = await RefusedAsync(await Requests.ReadAsync(context));

        Assert.Equal("IncompleteSignature", error.Code);
        Assert.Equal(400, error.HttpStatus);
    }

    [Fact]
    public async Task AuthenticateAsync_V3NonceNotSigned_IncompleteSignature()
    {
        var call = V3Call.KickOutClients(Now);
        var names = call.Headers.Keys.Where(n => n != "x-acs-signature-nonce").ToList();

        var error = await RefusedAsync(await Requests.ReadAsync(call.ToHttp(call.Authorization(signedHeaderNames: names))));

        Assert.Equal("IncompleteSignature", error.Code);
    }

    [Fact]
    public async Task AuthenticateAsync_V3AuthorizationWithoutSignature_IncompleteSignature()
    {
        var call = V3Call.KickOutClients(Now);

        var error = await RefusedAsync(await Requests.ReadAsync(call.ToHttp("ACS3-HMAC-SHA256 Credential=" + KeyId + ",SignedHeaders=host;x-acs-date")));

        Assert.Equal("IncompleteSignature", error.Code);
    }

    [Fact]
    public async Task AuthenticateAsync_V3AuthorizationWithSpacesAfterCommas_ReturnsTheKey()
    {
        var call = V3Call.KickOutClients(Now);
        var authorization = call.Authorization().Replace(",", ", ", StringComparison.Ordinal);

        var key = await AuthenticateAsync(await Requests.ReadAsync(call.ToHttp(authorization)));

        Assert.Equal(KeyId, key.AccessKeyId);
    }

    /// <summary>
    /// RpcEndpoint takes the action from x-acs-action under V3, so that header must be signed: otherwise a man in
    /// the middle could swap the action of a validly signed request.
    /// </summary>
    [Fact]
    public async Task AuthenticateAsync_V3ActionHeaderNotSigned_IncompleteSignature()
    {
        var call = V3Call.KickOutClients(Now);
        var names = call.Headers.Keys.Where(n => n != "x-acs-action").ToList();
        var context = call.ToHttp(call.Authorization(signedHeaderNames: names));
        context.Request.Headers["x-acs-action"] = "DeleteSmartAccessGatewayClientUser";

        var error = await RefusedAsync(await Requests.ReadAsync(context));

        Assert.Equal("IncompleteSignature", error.Code);
    }
}
