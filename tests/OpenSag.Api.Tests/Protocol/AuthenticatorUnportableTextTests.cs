using OpenSag.Api.Protocol;
using OpenSag.Api.Signing;
using OpenSag.Api.Tests.Support;
using OpenSag.Domain;
using OpenSag.Errors;
using OpenSag.Sessions;
using OpenSag.Storage;

namespace OpenSag.Api.Tests.Protocol;

/// <summary>
/// The access key id and the nonce are looked up or stored before any handler runs; a value PostgreSQL cannot take
/// (NUL) must be an API error there, not reach the database and come back as a 500 (issue 9 item 11, same kind).
/// </summary>
public class AuthenticatorUnportableTextTests
{
    private const string KeyId = "LTAI5tOpenSagTestKey";
    private const string Secret = "s3cr3t-0f-the-test-key";
    private static readonly DateTimeOffset Now = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly Authenticator _authenticator;

    public AuthenticatorUnportableTextTests()
    {
        var time = new ManualTimeProvider(Now);
        var store = new PostgresLikeStore(new InMemoryAccessKeyStore(new AccessKey(KeyId, Secret, Enabled: true, Now.AddDays(-1))), new NonceLedger(time));
        _authenticator = new Authenticator(store, store, time);
    }

    private static Task<RpcRequest> SignedGetAsync(string accessKeyId, string nonce)
    {
        List<KeyValuePair<string, string>> parameters =
        [
            new("AccessKeyId", accessKeyId),
            new("Action", "DescribeSmartAccessGateways"),
            new("RegionId", "cn-shanghai"),
            new("SignatureMethod", "HMAC-SHA1"),
            new("SignatureNonce", nonce),
            new("SignatureVersion", "1.0"),
            new("Timestamp", "2024-01-01T00:00:00Z"),
            new("Version", "2018-03-13"),
        ];
        return Requests.ReadAsync("GET", Requests.Encode([.. parameters, new("Signature", RpcSignatureV1.Sign("GET", parameters, Secret))]));
    }

    private async Task<ErrorDefinition> RefusedAsync(RpcRequest request) =>
        (await Assert.ThrowsAsync<ApiException>(() => _authenticator.AuthenticateAsync(request, CancellationToken.None).WaitAsync(Requests.Timeout))).Error;

    [Theory]
    [InlineData("LTAI\u0000x")]
    [InlineData("\u0001")]
    [InlineData("LTAI5tOpenSagTestKey\uFFFF")]
    public async Task AuthenticateAsync_AccessKeyIdNoStoreCanHold_AccessKeyNotFoundWithoutALookup(string accessKeyId)
    {
        var error = await RefusedAsync(await SignedGetAsync(accessKeyId, "nonce-1"));

        Assert.Equal("InvalidAccessKeyId.NotFound", error.Code);
    }

    [Fact]
    public async Task AuthenticateAsync_SignedNonceWithNul_InvalidParameterNotStored()
    {
        var error = await RefusedAsync(await SignedGetAsync(KeyId, "nonce\u0000-2"));

        Assert.Equal("InvalidParameter", error.Code);
        Assert.Equal("The specified value of parameter \"SignatureNonce\" is not valid.", error.Message);
    }

    [Fact]
    public async Task AuthenticateAsync_PortableValues_Accepted()
    {
        var key = await _authenticator.AuthenticateAsync(await SignedGetAsync(KeyId, "nonce-3"), CancellationToken.None).WaitAsync(Requests.Timeout);

        Assert.Equal(KeyId, key.AccessKeyId);
    }

    /// <summary>Refuses what PostgreSQL text refuses (and what <see cref="PortableText"/> names) with a database-style error.</summary>
    private sealed class PostgresLikeStore(IAccessKeyStore keys, ISignatureNonceLedger nonces) : IAccessKeyStore, ISignatureNonceLedger
    {
        public Task<AccessKey?> FindAccessKeyAsync(string accessKeyId, CancellationToken cancellationToken) =>
            PortableText.IndexOfUnportable(accessKeyId) < 0 ? keys.FindAccessKeyAsync(accessKeyId, cancellationToken) : throw new InvalidOperationException("22021: invalid byte sequence");

        public Task<bool> TryAddAccessKeyAsync(AccessKey key, CancellationToken cancellationToken) => keys.TryAddAccessKeyAsync(key, cancellationToken);

        public ValueTask<bool> TryUseAsync(string accessKeyId, string nonce, DateTimeOffset forgetAfter, CancellationToken cancellationToken) =>
            PortableText.IndexOfUnportable(nonce) < 0 ? nonces.TryUseAsync(accessKeyId, nonce, forgetAfter, cancellationToken) : throw new InvalidOperationException("22021: invalid byte sequence");
    }
}
