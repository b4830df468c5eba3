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
            var certificates = folders.Select(f => GatewayCertificate.LoadOrCreate(f, certPath: null, keyPath: null)).ToList();
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
}
