using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;

namespace OpenSag.Gateway.Security;

/// <summary>
/// The gateway's TLS certificate: the operator's (<c>--tls-cert/--tls-key</c>), else the self-signed one made on
/// first start and kept in the data folder. Either way <c>&lt;data&gt;/gateway-cert.pem</c> holds the certificate,
/// so clients can be given it for <c>connect --ca-file</c>, which pins exactly that certificate (whatever address
/// the client dials). The self-signed one also names the address the gateway listens on, for TLS clients that check
/// names (curl, openssl).
/// </summary>
public static partial class GatewayCertificate
{
    public const string CertificateFileName = "gateway-cert.pem";
    public const string KeyFileName = "gateway-key.pem";

    /// <summary>
    /// The operator's certificate (also copied to <c>&lt;data&gt;/gateway-cert.pem</c>), else the data folder's, else a
    /// new self-signed one written there.
    /// </summary>
    /// <param name="listenAddress">The gateway's <c>--gateway-listen</c> address: a new self-signed certificate names it
    /// unless it is a wildcard (0.0.0.0, ::), which stands for addresses not known here.</param>
    public static X509Certificate2 LoadOrCreate(string dataDirectory, string? certPath, string? keyPath, IPAddress listenAddress)
    {
        var dataCert = Path.Combine(dataDirectory, CertificateFileName);
        var dataKey = Path.Combine(dataDirectory, KeyFileName);
        X509Certificate2 certificate;
        if (certPath is not null)
        {
            certificate = X509Certificate2.CreateFromPemFile(certPath, keyPath);
            File.WriteAllText(dataCert, certificate.ExportCertificatePem() + "\n");
        }
        else if (File.Exists(dataCert) && File.Exists(dataKey))
        {
            certificate = X509Certificate2.CreateFromPemFile(dataCert, dataKey);
        }
        else
        {
            certificate = CreateSelfSigned(listenAddress);
            using var key = certificate.GetECDsaPrivateKey()!;
            WritePrivate(dataKey, key.ExportPkcs8PrivateKeyPem() + "\n");
            File.WriteAllText(dataCert, certificate.ExportCertificatePem() + "\n");
        }

        return certificate;
    }

    /// <summary>The SHA-256 of the certificate's DER as colon-separated hex, as <c>openssl x509 -fingerprint -sha256</c> shows it.</summary>
    public static string Fingerprint(X509Certificate certificate) =>
        string.Join(':', certificate.GetCertHash(HashAlgorithmName.SHA256).Select(b => b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>
    /// Warns (one line) when the data folder's self-signed certificate does not name <paramref name="listenAddress"/>,
    /// e.g. one made before the gateway moved to another address. It is not replaced silently: clients pinned it.
    /// </summary>
    /// <param name="operatorCertificate">True for <c>--tls-cert</c>: the operator's to reissue, not ours.</param>
    public static void WarnIfListenAddressUnnamed(ILogger logger, X509Certificate2 certificate, IPAddress listenAddress, string dataDirectory, bool operatorCertificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(listenAddress);
        if (operatorCertificate || !IsSpecific(listenAddress) || certificate.MatchesHostname(listenAddress.ToString()))
        {
            return;
        }

        LogListenAddressUnnamed(logger, Path.Combine(dataDirectory, CertificateFileName), listenAddress, CertificateFileName, KeyFileName, dataDirectory);
    }

    /// <summary>Whether <paramref name="address"/> is one address rather than a wildcard for all of the host's.</summary>
    private static bool IsSpecific(IPAddress address) => !address.Equals(IPAddress.Any) && !address.Equals(IPAddress.IPv6Any);

    /// <summary>ECDSA P-256, ten years, valid for localhost, 127.0.0.1, ::1, this host's name and <paramref name="listenAddress"/> unless a wildcard.</summary>
    private static X509Certificate2 CreateSelfSigned(IPAddress listenAddress)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=OpenSAG gateway", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddDnsName(Dns.GetHostName());
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        if (IsSpecific(listenAddress) && !listenAddress.Equals(IPAddress.Loopback) && !listenAddress.Equals(IPAddress.IPv6Loopback))
        {
            names.AddIpAddress(listenAddress);
        }

        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        // Every node's certificate has this same name; with key identifiers (RFC 5280 4.2.1.1-2) the chain builder
        // matches each to its own entry of a --ca-file that holds several nodes', instead of to the first by name.
        var keyId = new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false);
        request.CertificateExtensions.Add(keyId);
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(keyId));
        var now = DateTimeOffset.UtcNow;
        using var created = request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(10));
        // Round-trip through PEM so the key is usable by Kestrel's TLS on every platform.
        return X509Certificate2.CreateFromPem(created.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }

    private static void WritePrivate(string path, string content)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var writer = new StreamWriter(new FileStream(path, options));
        writer.Write(content);
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "The gateway certificate {Path} does not name {Address}, the --gateway-listen address: `opensag connect --ca-file` still trusts it (it pins the certificate), but TLS clients that check names (curl, openssl) refuse it. For one that names it, stop serve, delete {CertificateFile} and {KeyFile} in {DataDirectory}, start serve, and give clients the new certificate (the old one no longer works).")]
    private static partial void LogListenAddressUnnamed(ILogger logger, string path, IPAddress address, string certificateFile, string keyFile, string dataDirectory);
}
