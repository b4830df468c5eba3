namespace OpenSag.Cli.Connect;

/// <summary>
/// <c>connect --password-file FILE</c> (also a <c>--profile</c> key): the password on the file's first line. The
/// password is never an option's value, which every local user could read in <c>/proc/PID/cmdline</c>, nor a key of
/// the profile, which then could not be shared or kept with the rest of a machine's configuration; it lives in a file
/// of its own that only its owner may read, refused otherwise, as ssh refuses a private key others can read.
/// </summary>
internal static class PasswordFile
{
    /// <summary>Modes that let someone other than the owner read or change the file.</summary>
    private const UnixFileMode OthersMayTouch = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite;

    /// <summary>The password, or null with <paramref name="error"/>, the reason to follow the path in a message.</summary>
    public static string? Read(string path, out string? error)
    {
        error = null;
        try
        {
            if (!File.Exists(path))
            {
                error = MissingFile.Reason(path) + ".";
                return null;
            }

            if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & OthersMayTouch) != 0)
            {
                error = $"may be read or changed by others than its owner (mode {Convert.ToString((int)File.GetUnixFileMode(path), 8)}); chmod 600 it.";
                return null;
            }

            using var reader = File.OpenText(path);
            var password = reader.ReadLine();
            if (string.IsNullOrEmpty(password))
            {
                error = "has no password on its first line.";
                return null;
            }

            return password;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = "cannot be read: " + e.Message;
            return null;
        }
    }
}
