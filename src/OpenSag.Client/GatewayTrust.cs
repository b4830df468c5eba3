using System.Net.Http;
using System.Security.Cryptography.X509Certificates;

namespace OpenSag.Client;

/// <summary>
/// TLS settings for talking to a gateway: the system's trust store, or only the certificate(s) in
/// <c>--ca-file</c> (a self-signed gateway's <c>gateway-cert.pem</c>, or the CA that issued the operator's).
/// The host name is always checked against the certificate.
/// </summary>
public static class GatewayTrust
{
    public static SocketsHttpHandler CreateHandler(string? caFile, bool http2)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(10),
            // Tunnels ride one HTTP/2 connection that should live only while streams do (DESIGN.md §4).
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(15),
            EnableMultipleHttp2Connections = http2,
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            KeepAlivePingDelay = TimeSpan.FromSeconds(15),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(15),
        };
        if (caFile is not null)
        {
            var roots = new X509Certificate2Collection();
            roots.ImportFromPemFile(caFile);
            if (roots.Count == 0)
            {
                throw new InvalidOperationException($"{caFile} holds no PEM certificate.");
            }

            var policy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                RevocationMode = X509RevocationMode.NoCheck,
            };
            policy.CustomTrustStore.AddRange(roots);
            handler.SslOptions.CertificateChainPolicy = policy;
        }

        return handler;
    }
}
