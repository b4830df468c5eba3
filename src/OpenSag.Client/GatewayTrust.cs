using System.Net.Http;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace OpenSag.Client;

/// <summary>
/// TLS settings for talking to a gateway: the system's trust store, or only the certificate(s) in
/// <c>--ca-file</c> (a self-signed gateway's <c>gateway-cert.pem</c>, or the CA that issued the operator's).
/// The host name is always checked against the certificate.
/// </summary>
public static class GatewayTrust
{
    /// <summary>A handler for the control channel (HTTP/1.1) or the tunnels (HTTP/2) that trusts <paramref name="caFile"/> if given.</summary>
    /// <exception cref="GatewayTrustException">The CA file cannot be read or holds no certificate.</exception>
    public static SocketsHttpHandler CreateHandler(string? caFile, bool http2)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(10),
            // Tunnels ride one HTTP/2 connection that should live only while streams do: an idle session keeps
            // only its thin HTTP/1.1 control channel.
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(15),
            EnableMultipleHttp2Connections = http2,
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            KeepAlivePingDelay = TimeSpan.FromSeconds(15),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(15),
        };
        if (caFile is not null)
        {
            var policy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                RevocationMode = X509RevocationMode.NoCheck,
            };
            policy.CustomTrustStore.AddRange(LoadRoots(caFile));
            handler.SslOptions.CertificateChainPolicy = policy;
        }

        // The default check, with its verdict thrown as our own exception: a handshake that fails without one
        // never got as far as a certificate (see DescribeHandshakeFailure).
        handler.SslOptions.RemoteCertificateValidationCallback = (_, _, chain, errors) =>
            errors == SslPolicyErrors.None ? true : throw new GatewayCertificateRejectedException(errors, chain);
        return handler;
    }

    /// <summary>The PEM certificates in <paramref name="caFile"/>; at least one.</summary>
    /// <exception cref="GatewayTrustException">The file cannot be read, is not PEM, or holds no certificate; the message names the file.</exception>
    public static X509Certificate2Collection LoadRoots(string caFile)
    {
        var roots = new X509Certificate2Collection();
        try
        {
            roots.ImportFromPemFile(caFile);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new GatewayTrustException($"{caFile} is not a PEM certificate file ({e.Message})", e);
        }

        // A file without any "-----BEGIN CERTIFICATE-----" block imports nothing rather than failing.
        return roots.Count > 0 ? roots : throw new GatewayTrustException($"{caFile} holds no PEM certificate (expected -----BEGIN CERTIFICATE-----, e.g. the gateway's gateway-cert.pem)");
    }

    /// <summary>
    /// What a failed TLS handshake with <paramref name="gateway"/> means for the user, when retrying cannot help;
    /// null when <paramref name="failure"/> is not a handshake failure (e.g. a refused connection).
    /// </summary>
    /// <remarks>
    /// SslStream reports bytes that are not a TLS record (an HTTP server's answer, say) and a certificate it does
    /// not trust alike, as an <see cref="AuthenticationException"/> ("corrupted frame" for the first); only the
    /// second passes through the certificate check, which throws <see cref="GatewayCertificateRejectedException"/>.
    /// </remarks>
    public static string? DescribeHandshakeFailure(Exception failure, string gateway)
    {
        ArgumentNullException.ThrowIfNull(failure);
        var handshakeFailed = false;
        for (var e = failure; e is not null; e = e.InnerException)
        {
            if (e is GatewayCertificateRejectedException rejected)
            {
                return $"the gateway's TLS certificate is not trusted ({rejected.Message}); pass its certificate with --ca-file";
            }

            handshakeFailed |= e is AuthenticationException;
        }

        return handshakeFailed
            ? $"the gateway at {gateway} did not answer TLS ({failure.GetBaseException().Message}); is that the API port? Use the port `serve` prints as 'OpenSAG gateway listening on'."
            : null;
    }
}

/// <summary>The gateway's certificate failed the check: not issued by a trusted root (<c>--ca-file</c>), or not for the host name.</summary>
public sealed class GatewayCertificateRejectedException(SslPolicyErrors errors, X509Chain? chain)
    : AuthenticationException(Describe(errors, chain))
{
    /// <summary>What the check found wrong.</summary>
    public SslPolicyErrors Errors { get; } = errors;

    private static string Describe(SslPolicyErrors errors, X509Chain? chain)
    {
        var problems = new List<string>();
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            problems.Add("the gateway sent no certificate");
        }

        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            problems.Add("the certificate is not for this host name");
        }

        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors))
        {
            var statuses = chain?.ChainStatus.Select(s => s.Status.ToString()).Distinct() ?? [];
            problems.Add("certificate chain: " + string.Join(", ", statuses.DefaultIfEmpty("not trusted")));
        }

        return string.Join("; ", problems);
    }
}

/// <summary>The client cannot set up trust for the gateway as asked (an unreadable or empty <c>--ca-file</c>).</summary>
public sealed class GatewayTrustException(string message, Exception? inner = null) : Exception(message, inner);
