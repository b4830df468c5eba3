using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using OpenSag.Api.Signing;

namespace OpenSag.Bench;

/// <summary>Signs Smartag RPC requests with signature v1 (own nonce each) and sends them to the server's API.</summary>
internal sealed class ApiClient : IDisposable
{
    private readonly HttpClient _http;

    /// <param name="connect">How a connection is made, when not from this process's own network namespace (the
    /// stream-path lab reaches a server listening on 127.0.0.1 inside its gateway namespace).</param>
    public ApiClient(int port, int connections = 64, Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>>? connect = null)
    {
        BaseUri = new Uri($"http://127.0.0.1:{port}/");
        _http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = connections, UseProxy = false, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5), ConnectCallback = connect })
        {
            BaseAddress = BaseUri,
            Timeout = TimeSpan.FromSeconds(120),
        };
    }

    public Uri BaseUri { get; }

    public HttpClient Http => _http;

    /// <summary>A GET path with a fresh nonce, the current timestamp and a valid v1 signature.</summary>
    public static string SignedPath(string action, IEnumerable<KeyValuePair<string, string>> parameters)
    {
        var all = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Action"] = action,
            ["Version"] = "2018-03-13",
            ["Format"] = "JSON",
            ["AccessKeyId"] = ServerProcess.RootKeyId,
            ["SignatureMethod"] = "HMAC-SHA1",
            ["SignatureVersion"] = "1.0",
            ["SignatureNonce"] = Guid.NewGuid().ToString("N"),
            ["Timestamp"] = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        };
        foreach (var (key, value) in parameters)
        {
            all[key] = value;
        }

        all[RpcSignatureV1.ParameterName] = RpcSignatureV1.Sign("GET", all, ServerProcess.RootKeySecret);
        var builder = new StringBuilder("/?");
        foreach (var (key, value) in all)
        {
            builder.Append(PercentEncoding.Encode(key)).Append('=').Append(PercentEncoding.Encode(value)).Append('&');
        }

        return builder.ToString(0, builder.Length - 1);
    }

    public static string[] PreSign(int count, string action, IEnumerable<KeyValuePair<string, string>> parameters)
    {
        var list = parameters.ToList();
        var paths = new string[count];
        for (var i = 0; i < count; i++)
        {
            paths[i] = SignedPath(action, list);
        }

        return paths;
    }

    public async Task<JsonElement> CallAsync(string action, params (string Key, string Value)[] parameters)
    {
        var path = SignedPath(action, parameters.Select(p => KeyValuePair.Create(p.Key, p.Value)));
        using var response = await _http.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"{action}: HTTP {(int)response.StatusCode} {body}");
        }

        return JsonDocument.Parse(body).RootElement.Clone();
    }

    public const string Region = "cn-shanghai";

    /// <summary>An instance with a /16 client address space (enough addresses for every session of a run).</summary>
    public async Task<string> CreateInstanceAsync(int userCount)
    {
        var created = await CallAsync("CreateSmartAccessGatewaySoftware", ("RegionId", Region), ("ChargeType", "PREPAY"), ("Period", "1"),
            ("UserCount", userCount.ToString(CultureInfo.InvariantCulture)), ("DataPlan", "10"), ("AutoPay", "true"));
        var id = created.GetProperty("SmartAGId").GetString()!;
        await CallAsync("ModifySmartAccessGateway", ("RegionId", Region), ("SmartAGId", id), ("CidrBlock", "10.64.0.0/10"));
        return id;
    }

    public const string Password = "Bench_pass1";

    public Task<JsonElement> CreateUserAsync(string instance, string userName, int bandwidthKbps = 20000) =>
        CallAsync("CreateSmartAccessGatewayClientUser", ("RegionId", Region), ("SmartAGId", instance), ("UserName", userName),
            ("UserMail", userName + "@bench.example"), ("Password", Password), ("Bandwidth", bandwidthKbps.ToString(CultureInfo.InvariantCulture)));

    /// <summary>Creates users with a few requests in flight (each costs one PBKDF2 hash on the server).</summary>
    public async Task CreateUsersAsync(string instance, IReadOnlyList<string> names, int parallel = 4)
    {
        await Parallel.ForEachAsync(names, new ParallelOptions { MaxDegreeOfParallelism = parallel }, async (name, _) => await CreateUserAsync(instance, name));
    }

    public void Dispose() => _http.Dispose();
}
