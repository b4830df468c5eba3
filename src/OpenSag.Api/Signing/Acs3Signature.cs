using System.Security.Cryptography;
using System.Text;

namespace OpenSag.Api.Signing;

/// <summary>
/// Signature V3 (<c>ACS3-HMAC-SHA256</c>), spec/smartag-api.md §3.2: a canonical request of method, path, sorted
/// encoded query, the signed headers and the payload hash; its SHA-256 is signed with HMAC-SHA256 keyed by the bare
/// secret, hex lower-case.
/// </summary>
public static class Acs3Signature
{
    public const string Algorithm = "ACS3-HMAC-SHA256";

    /// <summary>SHA-256 of an empty body, what clients send in x-acs-content-sha256 when there is none.</summary>
    public const string EmptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    public static string HashPayload(ReadOnlySpan<byte> body) => Convert.ToHexStringLower(SHA256.HashData(body));

    /// <param name="signedHeaders">Header name (any case) and value; only these enter the canonical request.</param>
    public static string CanonicalRequest(string httpMethod, string path, IEnumerable<KeyValuePair<string, string>> query,
        IEnumerable<KeyValuePair<string, string>> signedHeaders, string payloadHash)
    {
        var canonicalQuery = string.Join('&', query
            .Select(p => (Key: PercentEncoding.Encode(p.Key), Value: PercentEncoding.Encode(p.Value)))
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => p.Key + "=" + p.Value));
        var headers = signedHeaders
            .Select(h => (Name: h.Key.ToLowerInvariant(), Value: h.Value.Trim()))
            .OrderBy(h => h.Name, StringComparer.Ordinal)
            .ToArray();
        var builder = new StringBuilder()
            .Append(httpMethod.ToUpperInvariant()).Append('\n')
            .Append(path).Append('\n')
            .Append(canonicalQuery).Append('\n');
        foreach (var (name, value) in headers)
        {
            builder.Append(name).Append(':').Append(value).Append('\n');
        }

        return builder.Append('\n')
            .Append(string.Join(';', headers.Select(h => h.Name))).Append('\n')
            .Append(payloadHash)
            .ToString();
    }

    public static string StringToSign(string canonicalRequest) =>
        Algorithm + "\n" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest)));

    public static string Sign(string stringToSign, string accessKeySecret) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(accessKeySecret), Encoding.UTF8.GetBytes(stringToSign)));

    public static string AuthorizationHeader(string accessKeyId, IEnumerable<string> signedHeaderNames, string signature) =>
        $"{Algorithm} Credential={accessKeyId},SignedHeaders={string.Join(';', signedHeaderNames.Select(n => n.ToLowerInvariant()).Order(StringComparer.Ordinal))},Signature={signature}";
}
