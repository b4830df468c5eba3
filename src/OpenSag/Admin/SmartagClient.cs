using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using OpenSag.Api.Actions;
using OpenSag.Api.Signing;

namespace OpenSag.Cli.Admin;

/// <summary>
/// Calls the API the way <c>@alicloud/pop-core</c> does with <c>method: 'POST'</c>: every parameter, the common
/// ones included, in a form body signed with signature v1 (spec/smartag-api.md §2, §5.1).
/// </summary>
internal sealed class SmartagClient(HttpClient http, Uri endpoint, string accessKeyId, string accessKeySecret)
{
    public async Task<(int Status, string Body)> CallAsync(string action, IReadOnlyDictionary<string, string> parameters, CancellationToken cancellationToken)
    {
        var all = new Dictionary<string, string>(parameters, StringComparer.Ordinal)
        {
            ["Action"] = action,
            ["Version"] = SmartagActions.Version,
            ["Format"] = parameters.TryGetValue("Format", out var format) ? format : "JSON",
            ["AccessKeyId"] = accessKeyId,
            ["SignatureMethod"] = "HMAC-SHA1",
            ["SignatureVersion"] = "1.0",
            ["SignatureNonce"] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
            ["Timestamp"] = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        };
        all[RpcSignatureV1.ParameterName] = RpcSignatureV1.Sign("POST", all, accessKeySecret);

        var form = string.Join('&', all.Select(p => PercentEncoding.Encode(p.Key) + "=" + PercentEncoding.Encode(p.Value)));
        using var content = new StringContent(form);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded");
        using var response = await http.PostAsync(new Uri(endpoint, "/"), content, cancellationToken);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
    }
}
