using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace OpenSag.Gateway.Security;

/// <summary>
/// The gateway's TLS certificate: the operator's (<c>--tls-cert/--tls-key</c>), else the self-signed one made on
/// first start and kept in the data folder. Either way <c>&lt;data&gt;/gateway-cert.pem</c> holds the certificate,
/// so clients can be given it for <c>connect --ca-file</c>.
/// </summary>
public static class GatewayCertificate
{
    public const string CertificateFileName = "gateway-cert.pem";
    public const string KeyFileName = "gateway-key.pem";

    public static X509Certificate2 LoadOrCreate(string dataDirectory, string? certPath, string? keyPath)
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
            certificate = CreateSelfSigned();
            using var key = certificate.GetECDsaPrivateKey()!;
            WritePrivate(dataKey, key.ExportPkcs8PrivateKeyPem() + "\n");
            File.WriteAllText(dataCert, certificate.ExportCertificatePem() + "\n");
        }

        return certificate;
    }

    public static string Fingerprint(X509Certificate2 certificate) =>
        string.Join(':', certificate.GetCertHash(HashAlgorithmName.SHA256).Select(b => b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>ECDSA P-256, ten years, valid for localhost, 127.0.0.1, ::1 and this host's name.</summary>
    private static X509Certificate2 CreateSelfSigned()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=OpenSAG gateway", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddDnsName(Dns.GetHostName());
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
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
}
