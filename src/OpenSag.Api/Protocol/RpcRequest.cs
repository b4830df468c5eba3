using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using OpenSag.Errors;

namespace OpenSag.Api.Protocol;

/// <summary>
/// One RPC call as read off the wire: the query string and an <c>application/x-www-form-urlencoded</c> body merged
/// into one parameter set (spec/smartag-api.md §5.3), plus what V3 needs to verify (query alone, raw body hash).
/// </summary>
public sealed class RpcRequest
{
    /// <summary>Far above any Smartag call (50 list items of 33 characters), small enough that a flood cannot hurt.</summary>
    public const int MaxBodyBytes = 64 * 1024;

    private RpcRequest(string method, string path, IReadOnlyDictionary<string, string> query, IReadOnlyDictionary<string, string> parameters, byte[] body, IHeaderDictionary headers, string host)
    {
        Method = method;
        Path = path;
        Query = query;
        Parameters = parameters;
        Body = body;
        Headers = headers;
        Host = host;
    }

    public string Method { get; }

    /// <summary>
    /// The path as sent, percent-encoded (<c>/</c> for the Smartag API, <c>/opensag</c> for OpenSAG's own actions): the
    /// canonical URI that V3 signs.
    /// </summary>
    public string Path { get; }

    /// <summary>Query-string parameters only (what V3 signs).</summary>
    public IReadOnlyDictionary<string, string> Query { get; }

    /// <summary>Query and form body together (what handlers read and v1 signs).</summary>
    public IReadOnlyDictionary<string, string> Parameters { get; }

    public byte[] Body { get; }

    public IHeaderDictionary Headers { get; }

    /// <summary>The host the caller addressed, for HostId in error bodies.</summary>
    public string Host { get; }

    public string? Get(string name) => Parameters.TryGetValue(name, out var value) ? value : null;

    public string? Header(string name) => Headers.TryGetValue(name, out var value) && value.Count == 1 ? value[0] : null;

    public static async Task<RpcRequest> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var body = await ReadBodyAsync(request, cancellationToken);
        var query = Flatten(QueryHelpers.ParseQuery(request.QueryString.Value));
        var parameters = new Dictionary<string, string>(query, StringComparer.Ordinal);
        if (body.Length > 0 && IsForm(request.ContentType))
        {
            foreach (var (name, value) in Flatten(QueryHelpers.ParseQuery(DecodeUtf8(body))))
            {
                // The same name in query and body with different values is ambiguous; refuse rather than guess.
                if (parameters.TryGetValue(name, out var existing) && existing != value)
                {
                    throw new ApiException(ErrorCatalogue.InvalidParameter(name));
                }

                parameters[name] = value;
            }
        }

        var path = (request.PathBase + request.Path).ToUriComponent();
        return new RpcRequest(request.Method, path.Length > 0 ? path : "/", query, parameters, body, request.Headers, request.Host.Host);
    }

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxBodyBytes)
        {
            throw new ApiException(ErrorCatalogue.InvalidParameter("Body").WithMessage($"The request body is larger than {MaxBodyBytes} bytes."));
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                throw new ApiException(ErrorCatalogue.InvalidParameter("Body").WithMessage($"The request body is larger than {MaxBodyBytes} bytes."));
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static bool IsForm(string? contentType) =>
        contentType is not null && contentType.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase);

    private static string DecodeUtf8(byte[] body)
    {
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(body);
        }
        catch (DecoderFallbackException)
        {
            throw new ApiException(ErrorCatalogue.InvalidParameter("Body").WithMessage("The request body is not valid UTF-8."));
        }
    }

    /// <summary>A parameter repeated in one place (<c>a=1&amp;a=2</c>) is refused: the signature schemes give it no meaning.</summary>
    private static Dictionary<string, string> Flatten(Dictionary<string, Microsoft.Extensions.Primitives.StringValues> values)
    {
        var result = new Dictionary<string, string>(values.Count, StringComparer.Ordinal);
        foreach (var (name, value) in values)
        {
            if (value.Count != 1)
            {
                throw new ApiException(ErrorCatalogue.InvalidParameter(name));
            }

            result[name] = value[0] ?? "";
        }

        return result;
    }
}
