using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace OpenSag.Bench;

/// <summary>
/// The <c>layer3</c> scenario's throw-away certificates, PEM files in the lab's private work folder: a CA, the gateway's
/// certificate (issued by it, naming the gateway's outer address, for OpenVPN's and ocserv's servers and OpenSAG's
/// <c>--tls-cert</c>) and a client certificate (for OpenVPN's TLS mode, which authenticates both ends by certificate).
/// ECDSA P-256, valid from a day ago to a day ahead.
/// </summary>
internal sealed record Layer3Pki(string Ca, string ServerCertificate, string ServerKey, string ClientCertificate, string ClientKey)
{
    private const string ServerAuth = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuth = "1.3.6.1.5.5.7.3.2";

    public static Layer3Pki Write(string work)
    {
        var from = DateTimeOffset.UtcNow.AddDays(-1);
        var to = DateTimeOffset.UtcNow.AddDays(1);
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=opensag-bench-ca", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        using var ca = caRequest.CreateSelfSigned(from, to);
        var caFile = Path.Combine(work, "layer3-ca.pem");
        File.WriteAllText(caFile, ca.ExportCertificatePem() + "\n");

        var (serverCertificate, serverKey) = Issue(work, "layer3-server", ca, ServerAuth, true, from, to, 2);
        var (clientCertificate, clientKey) = Issue(work, "layer3-client", ca, ClientAuth, false, from, to, 3);
        return new(caFile, serverCertificate, serverKey, clientCertificate, clientKey);
    }

    // OpenVPN's `remote-cert-tls server` wants a key usage extension and the serverAuth purpose on the gateway's
    // certificate (clientAuth on the client's); the other TLS clients (openconnect, .NET) check the address.
    private static (string Certificate, string Key) Issue(string work, string name, X509Certificate2 ca, string purpose, bool gateway,
        DateTimeOffset from, DateTimeOffset to, byte serial)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN=opensag-bench-{name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(purpose)], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        if (gateway)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(NetworkLab.GatewayOuter);
            request.CertificateExtensions.Add(names.Build());
        }

        using var certificate = request.Create(ca, from, to, [serial]);
        var certificateFile = Path.Combine(work, name + "-cert.pem");
        var keyFile = Path.Combine(work, name + "-key.pem");
        File.WriteAllText(certificateFile, certificate.ExportCertificatePem() + "\n");
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem() + "\n");
        return (certificateFile, keyFile);
    }
}
