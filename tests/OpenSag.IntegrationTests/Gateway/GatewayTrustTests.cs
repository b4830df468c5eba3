using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using OpenSag.Client;

namespace OpenSag.IntegrationTests.Gateway;

/// <summary>
/// How <c>connect --ca-file</c> decides to trust the gateway's certificate (<see cref="GatewayTrust.ConfigureTrust"/>),
/// through real TLS handshakes on 127.0.0.1, the dialled name given as the client's target host: a certificate in the
/// file is pinned (trusted whatever was dialled, like an SSH host key); any other must chain to one in the file and
/// name what was dialled.
/// </summary>
public sealed class GatewayTrustTests
{
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task ConfigureTrust_PinnedSelfSignedDialledByAddressItDoesNotName_Accepted()
    {
        using var gateway = SelfSigned("localhost");

        var refusal = await HandshakeAsync(gateway, caFile: [gateway], dialled: "198.18.7.1");

        Assert.Null(refusal);
    }

    /// <summary>SSH does not expire a known host key either; see the comment in ConfigureTrust.</summary>
    [Fact]
    public async Task ConfigureTrust_PinnedSelfSignedExpired_Accepted()
    {
        using var gateway = SelfSigned("localhost", notAfter: DateTimeOffset.UtcNow.AddDays(-1));

        var refusal = await HandshakeAsync(gateway, caFile: [gateway], dialled: "localhost");

        Assert.Null(refusal);
    }

    [Fact]
    public async Task ConfigureTrust_AnotherSelfSignedCertificate_RejectedAsNotInTheCaFile()
    {
        using var pinned = SelfSigned("localhost");
        using var gateway = SelfSigned("localhost");

        var refusal = await HandshakeAsync(gateway, caFile: [pinned], dialled: "localhost");

        var rejected = Assert.IsType<GatewayCertificateRejectedException>(refusal);
        Assert.True(rejected.AgainstCaFile);
        Assert.Contains("not a certificate in --ca-file and not issued by one", rejected.Message, StringComparison.Ordinal);
        // serve prints the same fingerprint, so a user can tell which certificate the gateway has now.
        Assert.Contains("SHA-256 " + OpenSag.Gateway.Security.GatewayCertificate.Fingerprint(gateway), rejected.Message, StringComparison.Ordinal);
        // Not "pass its certificate with --ca-file", which the user did: the file is stale or the wrong one.
        Assert.Contains("give --ca-file the gateway's current certificate", GatewayTrust.DescribeHandshakeFailure(rejected, "198.18.7.1:8443"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConfigureTrust_CaIssuedLeafDialledByAnotherName_RejectedAsNotForThatName()
    {
        using var ca = CertificateAuthority();
        using var gateway = Issued(ca, "gateway.example");

        var refusal = await HandshakeAsync(gateway, caFile: [ca], dialled: "other.example");

        var rejected = Assert.IsType<GatewayCertificateRejectedException>(refusal);
        Assert.Equal(SslPolicyErrors.RemoteCertificateNameMismatch, rejected.Errors);
        Assert.Contains("issued by a CA in --ca-file but not for the name or address dialled", rejected.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConfigureTrust_CaIssuedLeafDialledByItsName_Accepted()
    {
        using var ca = CertificateAuthority();
        using var gateway = Issued(ca, "gateway.example");

        var refusal = await HandshakeAsync(gateway, caFile: [ca], dialled: "gateway.example");

        Assert.Null(refusal);
    }

    /// <summary>Only an exact pin skips the dates: a CA-issued certificate keeps every TLS check.</summary>
    [Fact]
    public async Task ConfigureTrust_CaIssuedLeafExpired_Rejected()
    {
        using var ca = CertificateAuthority();
        using var gateway = Issued(ca, "gateway.example", notAfter: DateTimeOffset.UtcNow.AddDays(-1));

        var refusal = await HandshakeAsync(gateway, caFile: [ca], dialled: "gateway.example");

        var rejected = Assert.IsType<GatewayCertificateRejectedException>(refusal);
        Assert.Contains("NotTimeValid", rejected.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// The pin is the certificate, not its key: a leaf the pinned certificate's key signed (the pinned one sent along
    /// as its issuer) is neither pinned nor issued by a CA, since the gateway's certificate says it is no CA.
    /// </summary>
    [Fact]
    public async Task ConfigureTrust_LeafSignedByThePinnedCertificatesKey_Rejected()
    {
        var data = Directory.CreateTempSubdirectory("opensag-pin-");
        using var pinned = OpenSag.Gateway.Security.GatewayCertificate.LoadOrCreate(data.FullName, null, null, IPAddress.Loopback);
        data.Delete(recursive: true);
        using var gateway = Issued(pinned, "localhost");

        var refusal = await HandshakeAsync(gateway, caFile: [pinned], dialled: "localhost", chain: [pinned]);

        var rejected = Assert.IsType<GatewayCertificateRejectedException>(refusal);
        Assert.True(rejected.Errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors), rejected.Message);
    }

    /// <summary>
    /// An operator's CA-issued certificate pinned alone trusts that certificate, not its CA: another certificate from
    /// the same CA for the same name is refused, even with the CA sent along.
    /// </summary>
    [Fact]
    public async Task ConfigureTrust_SiblingOfAPinnedCaIssuedCertificate_Rejected()
    {
        using var ca = CertificateAuthority();
        using var pinned = Issued(ca, "gateway.example");
        using var sibling = Issued(ca, "gateway.example");

        var refusal = await HandshakeAsync(sibling, caFile: [pinned], dialled: "gateway.example", chain: [ca]);

        var rejected = Assert.IsType<GatewayCertificateRejectedException>(refusal);
        Assert.True(rejected.Errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors), rejected.Message);
        Assert.Null(await HandshakeAsync(pinned, caFile: [pinned], dialled: "198.18.7.1", chain: [ca]));
    }

    /// <summary>
    /// One TLS handshake on loopback: the server presents <paramref name="serverCertificate"/>, the client trusts
    /// <paramref name="caFile"/> and checks against <paramref name="dialled"/>; the server sends <paramref name="chain"/>
    /// after its certificate. Null when the client accepted, else why it refused.
    /// </summary>
    private static async Task<Exception?> HandshakeAsync(X509Certificate2 serverCertificate, X509Certificate2Collection caFile, string dialled, X509Certificate2Collection? chain = null)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var client = new TcpClient();
        var accepting = listener.AcceptTcpClientAsync();
        await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port).WaitAsync(HandshakeTimeout);
        using var accepted = await accepting.WaitAsync(HandshakeTimeout);

        await using var serverTls = new SslStream(accepted.GetStream());
        await using var clientTls = new SslStream(client.GetStream());
        var options = new SslClientAuthenticationOptions { TargetHost = dialled };
        GatewayTrust.ConfigureTrust(options, caFile);
        var serving = serverTls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
        {
            ServerCertificateContext = SslStreamCertificateContext.Create(serverCertificate, chain ?? [], offline: true),
        });
        Exception? refusal = null;
        try
        {
            await clientTls.AuthenticateAsClientAsync(options).WaitAsync(HandshakeTimeout);
        }
        catch (Exception e) when (e is not TimeoutException)
        {
            refusal = e;
            for (var inner = e; inner is not null; inner = inner.InnerException)
            {
                if (inner is GatewayCertificateRejectedException rejected)
                {
                    refusal = rejected;
                }
            }

            // The client's alert ends the server's side; only its completion matters here.
            client.Close();
        }

        try
        {
            await serving.WaitAsync(HandshakeTimeout);
        }
        catch (Exception e) when (refusal is not null && e is AuthenticationException or IOException)
        {
        }

        return refusal;
    }

    private static X509Certificate2 SelfSigned(string name, DateTimeOffset? notAfter = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = LeafRequest(name, key);
        var end = notAfter ?? DateTimeOffset.UtcNow.AddDays(30);
        using var created = request.CreateSelfSigned(end.AddDays(-60), end);
        return WithUsableKey(created, key);
    }

    private static X509Certificate2 CertificateAuthority()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=OpenSAG test CA", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        using var created = request.CreateSelfSigned(now.AddDays(-90), now.AddDays(90));
        return WithUsableKey(created, key);
    }

    private static X509Certificate2 Issued(X509Certificate2 ca, string name, DateTimeOffset? notAfter = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = LeafRequest(name, key);
        if (ca.Extensions.OfType<X509SubjectKeyIdentifierExtension>().Any())
        {
            request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        }

        var end = notAfter ?? DateTimeOffset.UtcNow.AddDays(30);
        var start = end.AddDays(-60) < ca.NotBefore ? new DateTimeOffset(ca.NotBefore) : end.AddDays(-60);
        // Signed with the issuer's key directly: CertificateRequest.Create(X509Certificate2, …) refuses an issuer that
        // is no CA, which is what ConfigureTrust_LeafSignedByThePinnedCertificatesKey_Rejected needs.
        using var issuerKey = ca.GetECDsaPrivateKey()!;
        using var created = request.Create(ca.SubjectName, X509SignatureGenerator.CreateForECDsa(issuerKey), start, end, RandomNumberGenerator.GetBytes(8));
        return WithUsableKey(created, key);
    }

    private static CertificateRequest LeafRequest(string name, ECDsa key)
    {
        var request = new CertificateRequest("CN=OpenSAG gateway", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(name);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        return request;
    }

    /// <summary>Through PEM, as GatewayCertificate does, so the server side of SslStream can use the key.</summary>
    private static X509Certificate2 WithUsableKey(X509Certificate2 certificate, ECDsa key) =>
        X509Certificate2.CreateFromPem(certificate.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
}
