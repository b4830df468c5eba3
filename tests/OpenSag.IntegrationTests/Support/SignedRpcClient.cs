using System.Globalization;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;

namespace OpenSag.IntegrationTests.Support;

/// <summary>
/// A minimal Smartag RPC caller (GET, signature v1 as in spec/smartag-api.md §2.2) for tests that need a
/// request or two from C#, e.g. around a restart. The SDK conformance lives in tests/conformance. A server in a
/// network namespace (<see cref="OpenSagServer.Namespace"/>) listens on that namespace's loopback, so its requests
/// go out on sockets made inside it.
/// </summary>
public sealed class SignedRpcClient(OpenSagServer server) : IDisposable
{
    private readonly HttpClient _http = new(Handler(server.Namespace)) { Timeout = TimeSpan.FromSeconds(15) };

    public async Task<(int Status, JsonElement Body)> CallAsync(string action, IReadOnlyDictionary<string, string> parameters) =>
        await SendAsync(server.Endpoint, SignedQuery(action, parameters));

    /// <summary>Sends an already signed query (<see cref="SignedQuery"/>) as is, e.g. a replay to another node.</summary>
    public async Task<(int Status, JsonElement Body)> SendAsync(Uri endpoint, string signedQuery)
    {
        using var response = await _http.GetAsync(new Uri(endpoint, "/?" + signedQuery));
        var text = await response.Content.ReadAsStringAsync();
        using var document = JsonDocument.Parse(text);
        return ((int)response.StatusCode, document.RootElement.Clone());
    }

    /// <summary>One of OpenSAG's own actions: signed the same way, with their Version, sent to their path (<c>/opensag</c>).</summary>
    public async Task<(int Status, JsonElement Body)> CallOpenSagAsync(string action, IReadOnlyDictionary<string, string> parameters)
    {
        using var response = await _http.GetAsync(new Uri(server.Endpoint, OpenSagPath + "?" + SignedQuery(action, parameters, OpenSagVersion)));
        var text = await response.Content.ReadAsStringAsync();
        using var document = JsonDocument.Parse(text);
        return ((int)response.StatusCode, document.RootElement.Clone());
    }

    /// <summary>Where OpenSAG's own actions are served, and their Version (OpenSagActions).</summary>
    public const string OpenSagPath = "/opensag";

    public const string OpenSagVersion = "2026-11-30";

    /// <summary>The same call with <c>Format=XML</c>: the status and the answer as an XML document.</summary>
    public async Task<(int Status, XDocument Body)> CallXmlAsync(string action, IReadOnlyDictionary<string, string> parameters)
    {
        var query = SignedQuery(action, new Dictionary<string, string>(parameters) { ["Format"] = "XML" });
        using var response = await _http.GetAsync(new Uri(server.Endpoint, "/?" + query));
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, XDocument.Parse(text));
    }

    /// <summary>The query string of a signed call: the parameters, a fresh nonce and timestamp, and the signature.</summary>
    public string SignedQuery(string action, IReadOnlyDictionary<string, string> parameters, string version = "2018-03-13")
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var all = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["Action"] = action,
            ["Format"] = "JSON",
            ["Version"] = version,
            ["Timestamp"] = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            ["SignatureMethod"] = "HMAC-SHA1",
            ["SignatureVersion"] = "1.0",
            ["SignatureNonce"] = Guid.NewGuid().ToString("N"),
            ["AccessKeyId"] = server.AccessKeyId,
        };
        foreach (var (key, value) in parameters)
        {
            all[key] = value;
        }

        var canonical = string.Join('&', all.Select(p => $"{Encode(p.Key)}={Encode(p.Value)}"));
        var stringToSign = $"GET&{Encode("/")}&{Encode(canonical)}";
#pragma warning disable CA5350 // The Smartag v1 signature is HMAC-SHA1 by definition (spec §2.2).
        var signature = Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(server.AccessKeySecret + "&"), Encoding.UTF8.GetBytes(stringToSign)));
#pragma warning restore CA5350
        return $"{canonical}&Signature={Encode(signature)}";
    }

    public void Dispose() => _http.Dispose();

    private static SocketsHttpHandler Handler(NetworkNamespace? network) => network is null
        ? new SocketsHttpHandler()
        : new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = network.CreateSocket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    await socket.ConnectAsync(context.DnsEndPoint.Host, context.DnsEndPoint.Port, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };

    /// <summary>RFC 3986 (§2.2 step 3): since .NET 5 EscapeDataString keeps exactly A–Z a–z 0–9 - _ . ~ and escapes the rest upper-case.</summary>
    private static string Encode(string value) => Uri.EscapeDataString(value);
}
