using System.Net;
using System.Security.Cryptography.X509Certificates;
using OpenSag.Gateway.Security;

namespace OpenSag.Gateway.Tests;

/// <summary>The self-signed gateway certificate <c>serve</c> makes on first start.</summary>
public sealed class GatewayCertificateTests
{
    /// <summary>
    /// Several nodes (README "Running several nodes") each make one; a client that may land on any node trusts them
    /// all with one <c>--ca-file</c>. All are named "CN=OpenSAG gateway", so without key identifiers the chain
    /// builder took the first certificate of that name as every node's issuer and refused the others (UntrustedRoot).
    /// </summary>
    [Fact]
    public void LoadOrCreate_TwoSelfSignedInOneTrustFile_EachChainsToItsOwnRoot()
    {
        var folders = new[] { Directory.CreateTempSubdirectory("opensag-cert-a-").FullName, Directory.CreateTempSubdirectory("opensag-cert-b-").FullName };
        try
        {
            var certificates = folders.Select(f => GatewayCertificate.LoadOrCreate(f, certPath: null, keyPath: null, IPAddress.Loopback)).ToList();
            var roots = new X509Certificate2Collection();
            foreach (var folder in folders)
            {
                roots.ImportFromPemFile(Path.Combine(folder, GatewayCertificate.CertificateFileName));
            }

            foreach (var certificate in certificates)
            {
                // The policy connect's --ca-file sets (OpenSag.Client GatewayTrust.CreateHandler).
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                chain.ChainPolicy.CustomTrustStore.AddRange(roots);

                Assert.True(chain.Build(certificate), string.Join("; ", chain.ChainStatus.Select(s => s.Status)));
                certificate.Dispose();
            }
        }
        finally
        {
            foreach (var folder in folders)
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    /// <summary>
    /// A gateway on <c>--gateway-listen 198.18.7.1:8443</c>: its certificate names that address, so TLS clients that
    /// check names (curl, openssl) accept it there. It used to name only localhost, 127.0.0.1, ::1 and the host name.
    /// </summary>
    [Theory]
    [InlineData("198.18.7.1")]
    [InlineData("2001:db8::7")]
    [InlineData("127.0.0.2")]
    public void LoadOrCreate_SpecificListenAddress_CertificateNamesIt(string address)
    {
        var folder = Directory.CreateTempSubdirectory("opensag-cert-").FullName;
        try
        {
            using var certificate = GatewayCertificate.LoadOrCreate(folder, certPath: null, keyPath: null, IPAddress.Parse(address));

            Assert.True(certificate.MatchesHostname(address), Names(certificate));
            Assert.True(certificate.MatchesHostname("127.0.0.1"), Names(certificate));
            Assert.True(certificate.MatchesHostname("localhost"), Names(certificate));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>0.0.0.0 and :: stand for every address of the host, which the certificate cannot know: it names only the defaults.</summary>
    [Theory]
    [InlineData("0.0.0.0")]
    [InlineData("::")]
    public void LoadOrCreate_WildcardListenAddress_NamesOnlyTheDefaults(string address)
    {
        var folder = Directory.CreateTempSubdirectory("opensag-cert-").FullName;
        try
        {
            using var certificate = GatewayCertificate.LoadOrCreate(folder, certPath: null, keyPath: null, IPAddress.Parse(address));

            var names = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
            Assert.Equal(["127.0.0.1", "::1"], names.EnumerateIPAddresses().Select(a => a.ToString()));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static string Names(X509Certificate2 certificate) =>
        certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single().Format(multiLine: false);
}
