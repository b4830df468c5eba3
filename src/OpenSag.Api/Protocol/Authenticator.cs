using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using OpenSag.Api.Signing;
using OpenSag.Domain;
using OpenSag.Errors;
using OpenSag.Sessions;
using OpenSag.Storage;

namespace OpenSag.Api.Protocol;

/// <summary>
/// Verifies a call's signature, v1 (HMAC-SHA1 parameters) or V3 (<c>Authorization: ACS3-HMAC-SHA256 …</c>), its
/// timestamp (within 15 minutes of server time) and its nonce (once per window); returns the caller's access key.
/// The nonce is recorded only after the signature checks out, so a forger cannot burn someone else's nonces.
/// </summary>
public sealed class Authenticator(IAccessKeyStore keys, ISignatureNonceLedger nonces, TimeProvider time)
{
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(15);

    /// <summary>
    /// What the cloud's SignatureDoesNotMatch message goes on with (spec §2.4); the Go SDK reads the string to sign
    /// after it. Echoed to the caller only, never logged (<see cref="ApiException.EchoToCaller"/>).
    /// </summary>
    private const string ServerStringToSign = " server string to sign is:";

    public Task<AccessKey> AuthenticateAsync(RpcRequest request, CancellationToken cancellationToken)
    {
        var authorization = request.Header("Authorization");
        return authorization is not null && authorization.StartsWith(Acs3Signature.Algorithm, StringComparison.Ordinal)
            ? AuthenticateV3Async(request, authorization, cancellationToken)
            : AuthenticateV1Async(request, cancellationToken);
    }

    private async Task<AccessKey> AuthenticateV1Async(RpcRequest request, CancellationToken cancellationToken)
    {
        var accessKeyId = Require(request, "AccessKeyId");
        var signature = Require(request, RpcSignatureV1.ParameterName);
        if (request.Get("SignatureMethod") is { } method && method != "HMAC-SHA1")
        {
            throw new ApiException(ErrorCatalogue.InvalidSignatureMethod);
        }

        if (request.Get("SignatureVersion") is { } version && version != "1.0")
        {
            throw new ApiException(ErrorCatalogue.Invalid("SignatureVersion"));
        }

        var timestamp = Require(request, "Timestamp");
        var nonce = Require(request, "SignatureNonce");
        var key = await FindKeyAsync(accessKeyId, cancellationToken);
        var issuedAt = CheckTimestamp(timestamp);

        var stringToSign = RpcSignatureV1.StringToSign(request.Method, request.Parameters);
        if (!FixedTimeEquals(RpcSignatureV1.Sign(stringToSign, key.AccessKeySecret), signature))
        {
            throw new ApiException(ErrorCatalogue.SignatureDoesNotMatch) { EchoToCaller = ServerStringToSign + stringToSign };
        }

        await UseNonceAsync(accessKeyId, nonce, issuedAt, cancellationToken);
        return key;
    }

    private async Task<AccessKey> AuthenticateV3Async(RpcRequest request, string authorization, CancellationToken cancellationToken)
    {
        var (accessKeyId, signedHeaderNames, signature) = ParseAuthorization(authorization);
        var timestamp = RequireHeader(request, "x-acs-date");
        var nonce = RequireHeader(request, "x-acs-signature-nonce");
        var payloadHash = RequireHeader(request, "x-acs-content-sha256");
        var key = await FindKeyAsync(accessKeyId, cancellationToken);
        var issuedAt = CheckTimestamp(timestamp);

        // The client's claimed body hash is signed; it must also be the hash of the body we actually received.
        if (!string.Equals(payloadHash, Acs3Signature.HashPayload(request.Body), StringComparison.OrdinalIgnoreCase))
        {
            throw new ApiException(ErrorCatalogue.SignatureDoesNotMatch.WithMessage("The x-acs-content-sha256 header does not match the request body."));
        }

        // Every x-acs-* header sent (the action and version among them) and the host must be signed, as the
        // official clients do (spec §3.1); otherwise a man in the middle could rewrite the unsigned ones.
        var mustSign = request.Headers.Keys
            .Select(k => k.ToLowerInvariant())
            .Where(k => k.StartsWith("x-acs-", StringComparison.Ordinal) || (k == "content-type" && request.Body.Length > 0))
            .Append("host");
        if (mustSign.Any(h => !signedHeaderNames.Contains(h)))
        {
            throw new ApiException(ErrorCatalogue.IncompleteSignature);
        }

        var headers = new List<KeyValuePair<string, string>>(signedHeaderNames.Length);
        foreach (var name in signedHeaderNames)
        {
            headers.Add(new(name, name == "host" ? HostHeader(request) : request.Header(name) ?? ""));
        }

        var canonical = Acs3Signature.CanonicalRequest(request.Method, request.Path, request.Query, headers, payloadHash);
        if (!FixedTimeEquals(Acs3Signature.Sign(Acs3Signature.StringToSign(canonical), key.AccessKeySecret), signature))
        {
            throw new ApiException(ErrorCatalogue.SignatureDoesNotMatch) { EchoToCaller = ServerStringToSign + Acs3Signature.StringToSign(canonical) };
        }

        await UseNonceAsync(accessKeyId, nonce, issuedAt, cancellationToken);
        return key;
    }

    private static string HostHeader(RpcRequest request) => request.Header("Host") ?? "";

    /// <summary><c>ACS3-HMAC-SHA256 Credential=ID,SignedHeaders=a;b,Signature=hex</c>, spaces after commas tolerated.</summary>
    private static (string AccessKeyId, string[] SignedHeaders, string Signature) ParseAuthorization(string authorization)
    {
        string? credential = null, signedHeaders = null, signature = null;
        foreach (var part in authorization[Acs3Signature.Algorithm.Length..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                continue;
            }

            var value = part[(eq + 1)..];
            switch (part[..eq])
            {
                case "Credential": credential = value; break;
                case "SignedHeaders": signedHeaders = value; break;
                case "Signature": signature = value; break;
            }
        }

        if (string.IsNullOrEmpty(credential) || string.IsNullOrEmpty(signedHeaders) || string.IsNullOrEmpty(signature))
        {
            throw new ApiException(ErrorCatalogue.IncompleteSignature);
        }

        return (credential, signedHeaders.ToLowerInvariant().Split(';', StringSplitOptions.RemoveEmptyEntries), signature);
    }

    /// <summary>
    /// An id that no store can hold (<see cref="PortableText"/>) names no key, and is not looked up: PostgreSQL would
    /// refuse a NUL in the query itself, turning an unauthenticated caller's typo into a 500.
    /// </summary>
    private async Task<AccessKey> FindKeyAsync(string accessKeyId, CancellationToken cancellationToken)
    {
        var key = (PortableText.IndexOfUnportable(accessKeyId) < 0 ? await keys.FindAccessKeyAsync(accessKeyId, cancellationToken) : null)
            ?? throw new ApiException(ErrorCatalogue.AccessKeyNotFound);
        return key.Enabled ? key : throw new ApiException(ErrorCatalogue.AccessKeyInactive);
    }

    /// <summary>UTC <c>yyyy-MM-ddTHH:mm:ssZ</c> (milliseconds tolerated); returns the instant.</summary>
    private DateTimeOffset CheckTimestamp(string value)
    {
        string[] formats = ["yyyy-MM-dd'T'HH:mm:ss'Z'", "yyyy-MM-dd'T'HH:mm:ss.FFF'Z'"];
        if (!DateTimeOffset.TryParseExact(value, formats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var issuedAt))
        {
            throw new ApiException(ErrorCatalogue.TimestampFormat);
        }

        var skew = time.GetUtcNow() - issuedAt;
        return skew.Duration() > Window ? throw new ApiException(ErrorCatalogue.TimestampExpired) : issuedAt;
    }

    /// <summary>The nonce is stored (in the shared database in a cluster), so it must be text every store can hold.</summary>
    private async Task UseNonceAsync(string accessKeyId, string nonce, DateTimeOffset issuedAt, CancellationToken cancellationToken)
    {
        if (PortableText.IndexOfUnportable(nonce) >= 0)
        {
            throw new ApiException(ErrorCatalogue.InvalidParameter("SignatureNonce"));
        }

        if (!await nonces.TryUseAsync(accessKeyId, nonce, issuedAt + Window, cancellationToken))
        {
            throw new ApiException(ErrorCatalogue.NonceUsed);
        }
    }

    private static string Require(RpcRequest request, string name) =>
        request.Get(name) is { Length: > 0 } value ? value : throw new ApiException(ErrorCatalogue.Missing(name));

    private static string RequireHeader(RpcRequest request, string name) =>
        request.Header(name) is { Length: > 0 } value ? value : throw new ApiException(ErrorCatalogue.IncompleteSignature.WithMessage($"The {name} header is required by {Acs3Signature.Algorithm}."));

    private static bool FixedTimeEquals(string expected, string actual) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(actual));
}
