using System.Globalization;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Http;
using OpenSag.Api.Protocol;
using OpenSag.Api.Responses;
using OpenSag.Api.Signing;
using OpenSag.Security;

namespace OpenSag.Bench.Micro;

/// <summary>The per-request hot paths of the API: signature v1, request reading, response writing (allocations visible).</summary>
[MemoryDiagnoser]
public class ApiHotPaths
{
    private const string Secret = "benchRootSecret0000000000000000";
    private Dictionary<string, string> _parameters = null!;
    private string _stringToSign = null!;
    private string _query = null!;
    private ResponseBody _body = null!;

    [GlobalSetup]
    public void Setup()
    {
        _parameters = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Action"] = "KickOutClients",
            ["Version"] = "2018-03-13",
            ["Format"] = "JSON",
            ["AccessKeyId"] = "LTAIbenchroot0000001",
            ["SignatureMethod"] = "HMAC-SHA1",
            ["SignatureVersion"] = "1.0",
            ["SignatureNonce"] = "3f1b0c6e9a8d4b2f8e7c6d5a4b3c2d1e",
            ["Timestamp"] = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            ["RegionId"] = "cn-shanghai",
            ["SmartAGId"] = "sag-abcdefghij0123456789",
            ["Username"] = "reader0",
        };
        _stringToSign = RpcSignatureV1.StringToSign("GET", _parameters);
        var signed = new Dictionary<string, string>(_parameters) { ["Signature"] = RpcSignatureV1.Sign(_stringToSign, Secret) };
        _query = "?" + string.Join('&', signed.Select(p => PercentEncoding.Encode(p.Key) + "=" + PercentEncoding.Encode(p.Value)));
        _body = new ResponseBody { { "Users", new ResponseBody { { "TotalCount", 10 }, { "PageSize", 10 }, { "PageNumber", 1 } } } };
    }

    [Benchmark]
    public string StringToSign() => RpcSignatureV1.StringToSign("GET", _parameters);

    [Benchmark]
    public string SignV1() => RpcSignatureV1.Sign("GET", _parameters, Secret);

    [Benchmark]
    public async Task<RpcRequest> ReadRequest()
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "GET";
        context.Request.Path = "/";
        context.Request.QueryString = new QueryString(_query);
        context.Request.Host = new HostString("127.0.0.1:8080");
        return await RpcRequest.ReadAsync(context.Request, CancellationToken.None);
    }

    [Benchmark]
    public byte[] WriteJsonResponse() => ResponseWriter.Write(ResponseFormat.Json, "KickOutClients", "7C29F06B-7DCF-4C29-A15C-A51E6CFB3189", _body);

    [Benchmark]
    public byte[] WriteXmlResponse() => ResponseWriter.Write(ResponseFormat.Xml, "KickOutClients", "7C29F06B-7DCF-4C29-A15C-A51E6CFB3189", _body);
}

/// <summary>What bounds logins and user creation: one PBKDF2-SHA512 (210,000 iterations) per password.</summary>
[MemoryDiagnoser]
public class PasswordHashing
{
    private readonly string _stored = PasswordHash.Create("Bench_pass1");

    [Benchmark]
    public bool VerifyPassword() => PasswordHash.Verify("Bench_pass1", _stored);
}
