using System.Net;

namespace OpenSag.Cli.Serve;

/// <summary>
/// <c>--console-listen HOST:PORT|off</c> with <c>--console-tls-cert</c>/<c>--console-tls-key</c>: where the web console
/// listens, and its certificate. A console reachable from other hosts carries access-key secrets at sign-in and a
/// session cookie after, so off loopback it must be HTTPS.
/// </summary>
/// <param name="Address">The listener.</param>
/// <param name="TlsCertificate">PEM certificate file; null for plain HTTP (loopback only).</param>
/// <param name="TlsKey">PEM key file, or null when the certificate file holds the key.</param>
internal sealed record ConsoleListen(ListenAddress Address, string? TlsCertificate, string? TlsKey)
{
    public const string Default = "127.0.0.1:8081";

    /// <summary>The value that turns the console off.</summary>
    public const string Off = "off";

    /// <summary>The console's URL scheme.</summary>
    public string Scheme => TlsCertificate is null ? "http" : "https";

    /// <summary>The options checked, or null (off, or wrong: then the reasons are in <paramref name="errors"/>).</summary>
    public static ConsoleListen? Parse(string listen, string? certificate, string? key, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(listen);
        ArgumentNullException.ThrowIfNull(errors);
        var before = errors.Count;
        TlsFiles.CheckPair("--console-tls-cert", certificate, "--console-tls-key", key, errors);
        if (string.Equals(listen, Off, StringComparison.OrdinalIgnoreCase))
        {
            if (certificate is not null)
            {
                errors.Add($"--console-tls-cert needs a console: --console-listen is {Off}.");
            }

            return null;
        }

        if (!ListenAddress.TryParse(listen, out var address, out var error))
        {
            errors.Add("--console-listen: " + error);
            return null;
        }

        if (certificate is null && !IPAddress.IsLoopback(address.Address))
        {
            errors.Add($"--console-listen {address}: off loopback the console must use TLS; give --console-tls-cert FILE (and --console-tls-key FILE), or listen on 127.0.0.1.");
        }

        return errors.Count > before ? null : new ConsoleListen(address, certificate, key);
    }
}
