using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace OpenSag.Cli.Serve;

/// <summary>
/// Checks <c>--tls-cert</c>/<c>--tls-key</c> (and the console's <c>--console-tls-cert</c>/<c>--console-tls-key</c>) with the options, so a file that is not a PEM certificate and its key is a
/// usage error (exit 2) naming the option, as <c>connect --ca-file</c> is, rather than a start failure in .NET's words.
/// </summary>
internal static class TlsFiles
{
    /// <summary>
    /// Adds to <paramref name="errors"/> what is wrong with a certificate option and its key option (e.g.
    /// <c>--tls-cert</c>/<c>--tls-key</c>, <c>--console-tls-cert</c>/<c>--console-tls-key</c>): a missing file, a key
    /// without a certificate (it would be ignored while the operator believes it in use), or a pair that does not load.
    /// </summary>
    public static void CheckPair(string certOption, string? certPath, string keyOption, string? keyPath, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (certPath is not null && !File.Exists(certPath))
        {
            errors.Add($"{certOption}: {certPath} {MissingFile.Reason(certPath)}.");
        }

        if (keyPath is not null && !File.Exists(keyPath))
        {
            errors.Add($"{keyOption}: {keyPath} {MissingFile.Reason(keyPath)}.");
        }

        if (keyPath is not null && certPath is null)
        {
            errors.Add($"{keyOption} needs {certOption} (the certificate the key belongs to).");
        }

        if (certPath is not null && File.Exists(certPath) && (keyPath is null || File.Exists(keyPath))
            && Check(certPath, keyPath, certOption, keyOption) is { } tlsError)
        {
            errors.Add(tlsError);
        }
    }

    /// <summary>
    /// Null when <paramref name="certPath"/> (with <paramref name="keyPath"/>, or its own key when that is null) loads as
    /// the server will load it (<c>X509Certificate2.CreateFromPemFile</c>); else the one-line reason, naming the options.
    /// </summary>
    public static string? Check(string certPath, string? keyPath, string certOption = "--tls-cert", string keyOption = "--tls-key")
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
            ? $"{certOption} {certPath}: {cause}; the file must hold the PEM certificate and its private key, or give its key with {keyOption} FILE."
            : $"{certOption} {certPath} with {keyOption} {keyPath}: {cause}; give the PEM certificate and its matching private key.";
    }
}
