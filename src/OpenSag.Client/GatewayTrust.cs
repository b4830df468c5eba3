using System.Net.Http;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using OpenSag.Gateway.Security;

namespace OpenSag.Client;

/// <summary>
/// TLS settings for talking to a gateway. Without <c>--ca-file</c>: the system's trust store and the name check.
/// With it, a certificate in the file that is exactly the one the gateway presents is trusted whatever name or
/// address was dialled (pinned, as SSH pins a host key; a self-signed gateway's <c>gateway-cert.pem</c>); any other
/// certificate must chain to one in the file (a CA) and name the host dialled, as TLS does. A file may hold both.
/// </summary>
public static class GatewayTrust
{
    /// <summary>
    /// The handler for the control channel and the tunnels, each a WebSocket on a connection of its own (an upgraded
    /// connection leaves the pool), that trusts <paramref name="caFile"/> if given.
    /// </summary>
    /// <exception cref="GatewayTrustException">The CA file cannot be read or holds no certificate.</exception>
    public static SocketsHttpHandler CreateHandler(string? caFile)
    {
        var handler = new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10) };
        ConfigureTrust(handler.SslOptions, caFile is null ? null : LoadRoots(caFile));
        return handler;
    }

    /// <summary>
    /// Sets how <paramref name="options"/> decides whether the gateway's certificate is trusted (see the class):
    /// with <paramref name="caFileCertificates"/> (the certificates of <c>--ca-file</c>), pinned or chained to them;
    /// without, the system's trust store. A refusal throws <see cref="GatewayCertificateRejectedException"/> from
    /// the handshake, saying what is wrong.
    /// </summary>
    public static void ConfigureTrust(SslClientAuthenticationOptions options, X509Certificate2Collection? caFileCertificates)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (caFileCertificates is null)
        {
            // The default check, with its verdict thrown as our own exception: a handshake that fails without one
            // never got as far as a certificate (see DescribeHandshakeFailure).
            options.RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
                errors == SslPolicyErrors.None ? true : throw new GatewayCertificateRejectedException(errors, chain, certificate, againstCaFile: false);
            return;
        }

        var policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            RevocationMode = X509RevocationMode.NoCheck,
        };
        policy.CustomTrustStore.AddRange(caFileCertificates);
        options.CertificateChainPolicy = policy;
        var pinned = caFileCertificates.Select(c => c.RawData).ToList();
        // A pinned certificate is trusted on its exact bytes alone: no name, chain or validity-period check. The
        // TLS handshake has already proved the gateway holds its private key. Like SSH with a known host key, its
        // dates are not enforced either: the operator handed out exactly this certificate, so its expiry guards
        // nothing the pin does not, and enforcing it would cut clients off on a date nobody chose (a self-signed
        // one is made for ten years) or on a client whose clock is wrong. It is replaced by giving clients a new
        // file. A CA-issued certificate that is not pinned keeps every TLS check, expiry included.
        options.RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
            errors == SslPolicyErrors.None || IsPinned(certificate, pinned)
                ? true
                : throw new GatewayCertificateRejectedException(errors, chain, certificate, againstCaFile: true);
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
        catch (CryptographicException e)
        {
            throw new GatewayTrustException($"{caFile} is not a PEM certificate file ({e.Message})", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Not a verdict on its content: a file the server wrote mode 600, copied for a client that does not run as
            // its owner, was called "not a PEM certificate file".
            throw new GatewayTrustException($"{caFile} cannot be read ({e.Message}); it is the gateway's public certificate, so it may be readable by all (chmod 644)", e);
        }

        // A file without any "-----BEGIN CERTIFICATE-----" block imports nothing rather than failing.
        return roots.Count > 0 ? roots : throw new GatewayTrustException($"{caFile} holds no PEM certificate (expected -----BEGIN CERTIFICATE-----, e.g. the gateway's gateway-cert.pem)");
    }

    /// <summary>
    /// Whether the gateway closed the connection during the TLS handshake without any certificate verdict: what its
    /// connection caps do to a connection over them. A rejected certificate (an <see cref="AuthenticationException"/>,
    /// see <see cref="DescribeHandshakeFailure"/>) is not this.
    /// </summary>
    public static bool ClosedDuringHandshake(Exception failure)
    {
        var secureConnectionFailed = false;
        for (var e = failure; e is not null; e = e.InnerException)
        {
            if (e is AuthenticationException)
            {
                return false;
            }

            secureConnectionFailed |= e is HttpRequestException { HttpRequestError: HttpRequestError.SecureConnectionError };
        }

        return secureConnectionFailed;
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
                return rejected.AgainstCaFile
                    ? $"the gateway's TLS certificate is not trusted ({rejected.Message}); give --ca-file the gateway's current certificate (its <data>/gateway-cert.pem) or the CA that issued it"
                    : $"the gateway's TLS certificate is not trusted ({rejected.Message}); pass its certificate with --ca-file";
            }

            handshakeFailed |= e is AuthenticationException;
        }

        return handshakeFailed
            ? $"the gateway at {gateway} did not answer TLS ({failure.GetBaseException().Message}); is that the API port? Use the port `serve` prints as 'OpenSAG gateway listening on'."
            : null;
    }

    /// <summary>Whether <paramref name="certificate"/> is, byte for byte (DER), one of <paramref name="pinned"/>.</summary>
    private static bool IsPinned(X509Certificate? certificate, List<byte[]> pinned)
    {
        if (certificate is null)
        {
            return false;
        }

        var presented = certificate.GetRawCertData();
        return pinned.Exists(p => p.AsSpan().SequenceEqual(presented));
    }
}

/// <summary>
/// The gateway's certificate failed the check: with <c>--ca-file</c>, neither one of its certificates nor issued by one
/// for the host dialled; without, not issued by a CA the system trusts or not for the host name.
/// </summary>
public sealed class GatewayCertificateRejectedException(SslPolicyErrors errors, X509Chain? chain, X509Certificate? certificate, bool againstCaFile)
    : AuthenticationException(Describe(errors, chain, certificate, againstCaFile))
{
    /// <summary>What the check found wrong.</summary>
    public SslPolicyErrors Errors { get; } = errors;

    /// <summary>Whether the certificate was checked against <c>--ca-file</c> rather than the system's trust store.</summary>
    public bool AgainstCaFile { get; } = againstCaFile;

    private static string Describe(SslPolicyErrors errors, X509Chain? chain, X509Certificate? certificate, bool againstCaFile)
    {
        var problems = new List<string>();
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            problems.Add("the gateway sent no certificate");
        }

        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors))
        {
            var statuses = string.Join(", ", (chain?.ChainStatus.Select(s => s.Status.ToString()).Distinct() ?? []).DefaultIfEmpty("not trusted"));
            problems.Add(againstCaFile ? $"it is not a certificate in --ca-file and not issued by one ({statuses})" : "certificate chain: " + statuses);
        }

        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            problems.Add(againstCaFile && !errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors)
                ? "it is issued by a CA in --ca-file but not for the name or address dialled"
                : "it is not for the name or address dialled");
        }

        // What `serve` prints at start ("SHA-256 …"), so a user can tell a replaced certificate from a wrong file.
        if (certificate is not null)
        {
            problems.Add("the gateway presented SHA-256 " + GatewayCertificate.Fingerprint(certificate));
        }

        return string.Join("; ", problems);
    }
}

/// <summary>The client cannot set up trust for the gateway as asked (an unreadable or empty <c>--ca-file</c>).</summary>
public sealed class GatewayTrustException(string message, Exception? inner = null) : Exception(message, inner);
