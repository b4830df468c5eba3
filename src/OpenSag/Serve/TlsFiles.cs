using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace OpenSag.Cli.Serve;

/// <summary>
/// Checks <c>--tls-cert</c>/<c>--tls-key</c> with the options, so a file that is not a PEM certificate and its key is a
/// usage error (exit 2) naming the option, as <c>connect --ca-file</c> is, rather than a start failure in .NET's words.
/// </summary>
internal static class TlsFiles
{
    /// <summary>
    /// Null when <paramref name="certPath"/> (with <paramref name="keyPath"/>, or its own key when that is null) loads as
    /// the gateway will load it (<c>X509Certificate2.CreateFromPemFile</c>); else the one-line reason.
    /// </summary>
    public static string? Check(string certPath, string? keyPath)
    {
        string cause;
        try
        {
            using var certificate = X509Certificate2.CreateFromPemFile(certPath, keyPath);
            return null;
        }
        catch (CryptographicException e)
        {
            cause = e.Message.TrimEnd('.');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            cause = "cannot read it: " + e.Message.TrimEnd('.');
        }

        return keyPath is null
            ? $"--tls-cert {certPath}: {cause}; the file must hold the PEM certificate and its private key, or give its key with --tls-key FILE."
            : $"--tls-cert {certPath} with --tls-key {keyPath}: {cause}; give the PEM certificate and its matching private key.";
    }
}
