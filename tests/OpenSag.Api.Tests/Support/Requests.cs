using System.Text;
using Microsoft.AspNetCore.Http;
using OpenSag.Api.Protocol;
using OpenSag.Api.Signing;

namespace OpenSag.Api.Tests.Support;

/// <summary>Builds <see cref="RpcRequest"/>s the way the endpoint does, from an in-memory <see cref="HttpRequest"/>.</summary>
public static class Requests
{
    public const string FormContentType = "application/x-www-form-urlencoded";

    /// <summary>Every await in a test has a timeout (DESIGN.md §8); reading an in-memory body never comes close.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>Percent-encodes names and values canonically (upper-case hex, %20 for space), in the given order.</summary>
    public static string Encode(IEnumerable<KeyValuePair<string, string>> parameters) =>
        string.Join('&', parameters.Select(p => PercentEncoding.Encode(p.Key) + "=" + PercentEncoding.Encode(p.Value)));

    public static HttpContext Context(string method, string rawQuery, string? formBody = null, string host = "smartag.test.local")
    {
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        context.Request.Host = new HostString(host);
        context.Request.Path = "/";
        context.Request.QueryString = rawQuery.Length == 0 ? QueryString.Empty : new QueryString("?" + rawQuery);
        if (formBody is not null)
        {
            var bytes = Encoding.UTF8.GetBytes(formBody);
            context.Request.Body = new MemoryStream(bytes);
            context.Request.ContentLength = bytes.Length;
            context.Request.ContentType = FormContentType;
        }

        return context;
    }

    public static Task<RpcRequest> ReadAsync(string method, string rawQuery, string? formBody = null) =>
        ReadAsync(Context(method, rawQuery, formBody));

    public static Task<RpcRequest> ReadAsync(HttpContext context) =>
        RpcRequest.ReadAsync(context.Request, CancellationToken.None).WaitAsync(Timeout);

    public static Task<RpcRequest> GetAsync(params (string Name, string Value)[] parameters) =>
        ReadAsync("GET", Encode(parameters.Select(p => KeyValuePair.Create(p.Name, p.Value))));
}
