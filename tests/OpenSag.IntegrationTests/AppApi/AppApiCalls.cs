using System.Net;
using System.Text.Json;
using System.Xml.Linq;
using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.AppApi;

/// <summary>
/// Signed calls to one server in a region of their own (so tests sharing a server never see each other's resources),
/// answered as JSON or XML, each bounded by <see cref="RequestTimeout"/>.
/// </summary>
public sealed class AppApiCalls(OpenSagServer server) : IDisposable
{
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(15);

    private readonly SignedRpcClient _client = new(server);
    private readonly HttpClient _http = new() { Timeout = RequestTimeout };

    /// <summary>A region no other test uses: every regional resource here lives only there.</summary>
    public string Region { get; } = "cn-app-" + Guid.NewGuid().ToString("N")[..8];

    public void Dispose()
    {
        _client.Dispose();
        _http.Dispose();
    }

    /// <summary>The call with RegionId set to <see cref="Region"/> unless given.</summary>
    public async Task<(int Status, JsonElement Body)> CallAsync(string action, params (string Name, string Value)[] parameters) =>
        await _client.CallAsync(action, WithRegion(parameters)).WaitAsync(RequestTimeout);

    /// <summary>The call as it is, without a RegionId unless given.</summary>
    public async Task<(int Status, JsonElement Body)> CallWithoutRegionAsync(string action, params (string Name, string Value)[] parameters) =>
        await _client.CallAsync(action, parameters.ToDictionary(p => p.Name, p => p.Value)).WaitAsync(RequestTimeout);

    public async Task<(int Status, XDocument Body)> CallXmlAsync(string action, params (string Name, string Value)[] parameters)
    {
        var all = WithRegion(parameters);
        all["Format"] = "XML";
        var query = _client.SignedQuery(action, all);
        using var response = await _http.GetAsync(new Uri(server.Endpoint, "/?" + query)).WaitAsync(RequestTimeout);
        var text = await response.Content.ReadAsStringAsync().WaitAsync(RequestTimeout);
        Assert.True(response.StatusCode != HttpStatusCode.InternalServerError, $"answered 500: {text}");
        return ((int)response.StatusCode, XDocument.Parse(text));
    }

    /// <summary>The call, which must answer 200; its body.</summary>
    public async Task<JsonElement> OkAsync(string action, params (string Name, string Value)[] parameters)
    {
        var (status, body) = await CallAsync(action, parameters);
        Assert.True(status == 200, $"{action} answered {status}: {body}");
        return body;
    }

    /// <summary>The call, which must be refused with <paramref name="status"/> and <paramref name="code"/>; the error's message.</summary>
    public async Task<string> RefusedAsync(int status, string code, string action, params (string Name, string Value)[] parameters)
    {
        var (answered, body) = await CallAsync(action, parameters);
        Assert.True(answered == status && body.GetProperty("Code").GetString() == code, $"{action} answered {answered}: {body}");
        return body.GetProperty("Message").GetString()!;
    }

    /// <summary>A new SAG App instance of <paramref name="userCount"/> accounts in <see cref="Region"/>, with a CidrBlock so users can be created.</summary>
    public async Task<string> CreateInstanceAsync(int userCount = 10)
    {
        var body = await OkAsync("CreateSmartAccessGatewaySoftware", ("ChargeType", "PREPAY"), ("Period", "1"),
            ("UserCount", userCount.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("DataPlan", "5"), ("AutoPay", "true"));
        var sag = body.GetProperty("SmartAGId").GetString()!;
        await OkAsync("ModifySmartAccessGateway", ("SmartAGId", sag), ("CidrBlock", "10.30.0.0/24"));
        return sag;
    }

    public async Task CreateUserAsync(string sag, string userName) =>
        await OkAsync("CreateSmartAccessGatewayClientUser", ("SmartAGId", sag), ("UserName", userName), ("Password", "Passw0rd_1"),
            ("UserMail", userName + "@example.com"));

    /// <summary>The instance as DescribeSmartAccessGateways lists it.</summary>
    public async Task<JsonElement> DescribeInstanceAsync(string sag)
    {
        var body = await OkAsync("DescribeSmartAccessGateways", ("SmartAGId", sag));
        return body.GetProperty("SmartAccessGateways").GetProperty("SmartAccessGateway")[0];
    }

    /// <summary>An enterprise code no other test (or run) has made: codes are unique across every region.</summary>
    public static string NewEnterpriseCode()
    {
        var random = System.Security.Cryptography.RandomNumberGenerator.GetString("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", 3);
        return random + System.Security.Cryptography.RandomNumberGenerator.GetString("0123456789", 2);
    }

    private Dictionary<string, string> WithRegion((string Name, string Value)[] parameters)
    {
        var all = parameters.ToDictionary(p => p.Name, p => p.Value);
        all.TryAdd("RegionId", Region);
        return all;
    }
}
