using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using OpenSag.Api.Signing;

namespace OpenSag.Cli.Admin;

/// <summary>
/// Calls the API the way <c>@alicloud/pop-core</c> does with <c>method: 'POST'</c>: every parameter, the common
/// ones included, in a form body signed with signature v1 (spec/smartag-api.md §2, §5.1), on the Smartag surface
/// (<c>/</c>) or OpenSAG's extensions (<c>/opensag</c>), which take the same signatures.
/// </summary>
internal sealed class SmartagClient(HttpClient http, Uri endpoint, string accessKeyId, string accessKeySecret)
{
    /// <summary>
    /// Sends <paramref name="action"/> and returns the HTTP status and body as they came.
    /// </summary>
    /// <exception cref="ApiUnreachableException">No answer: refused, not HTTP, not the API, or none within the client's timeout.</exception>
    public async Task<ApiAnswer> CallAsync(ApiSurface surface, string action, IReadOnlyDictionary<string, string> parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(surface);
        var all = new Dictionary<string, string>(parameters, StringComparer.Ordinal)
        {
            ["Action"] = action,
            ["Version"] = surface.Version,
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
        try
        {
            using var response = await http.PostAsync(new Uri(endpoint, surface.Path), content, cancellationToken);
            return new ApiAnswer((int)response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
        }
        catch (HttpRequestException e)
        {
            throw new ApiUnreachableException(ApiReachFailure.Describe(e, endpoint));
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ApiUnreachableException($"the API did not answer within {http.Timeout.TotalSeconds:0} s.");
        }
    }
}

/// <summary>Where a family of actions is served and the Version it takes.</summary>
/// <param name="Path">The URL path on the API listener.</param>
/// <param name="Version">The <c>Version</c> parameter every call carries.</param>
internal sealed record ApiSurface(string Path, string Version)
{
    /// <summary>The cloud-compatible Smartag API (2018-03-13) at <c>/</c>.</summary>
    public static readonly ApiSurface Smartag = new("/", Api.Actions.SmartagActions.Version);

    /// <summary>OpenSAG's extension actions (online sessions of an instance, per-session disconnect, server status) at <c>/opensag</c>.</summary>
    public static readonly ApiSurface OpenSag = new(Api.Actions.OpenSagActions.Path, Api.Actions.OpenSagActions.Version);
}

/// <summary>The API gave no answer; the message is the whole story for the user (exit code 1).</summary>
internal sealed class ApiUnreachableException(string message) : Exception(message);
