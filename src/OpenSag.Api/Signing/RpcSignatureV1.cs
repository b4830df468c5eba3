using System.Security.Cryptography;
using System.Text;

namespace OpenSag.Api.Signing;

/// <summary>
/// Signature v1 (<c>SignatureMethod=HMAC-SHA1</c>, <c>SignatureVersion=1.0</c>), spec/smartag-api.md §2.2: every
/// parameter but <c>Signature</c>, sorted by name in ordinal order, encoded, joined, then encoded once more into
/// <c>METHOD&amp;%2F&amp;…</c> and signed with HMAC-SHA1 keyed by <c>secret + "&amp;"</c>.
/// </summary>
public static class RpcSignatureV1
{
    public const string ParameterName = "Signature";

    public static string CanonicalQueryString(IEnumerable<KeyValuePair<string, string>> parameters) =>
        string.Join('&', parameters
            .Where(p => p.Key != ParameterName)
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => PercentEncoding.Encode(p.Key) + "=" + PercentEncoding.Encode(p.Value)));

    public static string StringToSign(string httpMethod, IEnumerable<KeyValuePair<string, string>> parameters) =>
        httpMethod.ToUpperInvariant() + "&" + PercentEncoding.Encode("/") + "&" + PercentEncoding.Encode(CanonicalQueryString(parameters));

    // HMAC-SHA1 is what signature v1 is; every official SDK signs with it, so the server must verify with it.
#pragma warning disable CA5350
    public static string Sign(string stringToSign, string accessKeySecret) =>
        Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(accessKeySecret + "&"), Encoding.UTF8.GetBytes(stringToSign)));
#pragma warning restore CA5350

    public static string Sign(string httpMethod, IEnumerable<KeyValuePair<string, string>> parameters, string accessKeySecret) =>
        Sign(StringToSign(httpMethod, parameters), accessKeySecret);
}
