using System.Data.Common;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using OpenSag.Api.Actions;
using OpenSag.Api.Protocol;
using OpenSag.Api.Tests.Support;
using OpenSag.Domain;
using OpenSag.Services;
using OpenSag.Storage;

namespace OpenSag.Api.Tests.Protocol;

/// <summary>
/// A node whose database is out of reach refuses with 503 ServiceUnavailable, which the caller may retry, and
/// keeps 500 InternalError for its own bugs (DESIGN.md §5, issue 5 failure behaviour).
/// </summary>
public sealed class RpcEndpointStoreFailureTests
{
    [Fact]
    public async Task HandleAsync_DatabaseUnreachable_Answers503ServiceUnavailable()
    {
        var (status, body) = await CallAsync(new TransientDbException());

        Assert.Equal(503, status);
        Assert.Contains("\"Code\":\"ServiceUnavailable\"", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HandleAsync_StoreBug_StillAnswers500InternalError()
    {
        var (status, body) = await CallAsync(new InvalidOperationException("a bug"));

        Assert.Equal(500, status);
        Assert.Contains("\"Code\":\"InternalError\"", body, StringComparison.Ordinal);
    }

    private static async Task<(int Status, string Body)> CallAsync(Exception storeFailure)
    {
        var time = new ManualTimeProvider(DateTimeOffset.UtcNow);
        var authenticator = new Authenticator(new FailingKeyStore(storeFailure), new NonceLedger(time), time);
        var idempotent = new IdempotentCalls(new InMemoryClientTokenStore(), time, NullLogger<IdempotentCalls>.Instance);
        var table = SmartagActions.CreateTable();
        var endpoint = new RpcEndpoint(table, new ActionInvoker(table, new AuditLog(new InMemoryAuditStore(), time, NullLogger<AuditLog>.Instance)), authenticator, idempotent, NullLogger<RpcEndpoint>.Instance);
        var http = new DefaultHttpContext();
        http.Request.Method = "GET";
        http.Request.QueryString = new QueryString("?Action=KickOutClients&Version=2018-03-13&AccessKeyId=LTAI5tKey&Signature=x&SignatureNonce=n1&Timestamp="
            + Uri.EscapeDataString(time.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture)));
        var response = new MemoryStream();
        http.Response.Body = response;

        await endpoint.HandleAsync(http).WaitAsync(TimeSpan.FromSeconds(10));

        return (http.Response.StatusCode, Encoding.UTF8.GetString(response.ToArray()));
    }

    private sealed class TransientDbException : DbException
    {
        public override bool IsTransient => true;
    }

    private sealed class FailingKeyStore(Exception failure) : IAccessKeyStore
    {
        public Task<AccessKey?> FindAccessKeyAsync(string accessKeyId, CancellationToken cancellationToken) => Task.FromException<AccessKey?>(failure);

        public Task<bool> TryAddAccessKeyAsync(AccessKey key, CancellationToken cancellationToken) => Task.FromException<bool>(failure);
    }
}
