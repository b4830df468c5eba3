using System.Globalization;

namespace OpenSag.Cli.Serve;

/// <summary>
/// The server's data folder, held by one running server at a time and private to the server's user (issue 9 item 2):
/// the folder 0700 and every file the server creates in it 0600, whatever the umask it was started with; what an
/// older version left readable is tightened at start. The hold is an OS lock on <see cref="LockFileName"/>, which the kernel drops when the
/// process ends however it ends, so a crashed server never leaves a stale lock (issue 10 item 6).
/// </summary>
internal sealed class DataFolder : IDisposable
{
    public const string LockFileName = "opensag.lock";

    private const UnixFileMode PrivateFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode NotOwner = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute | UnixFileMode.SetGroup
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    private readonly FileStream _lock;

    private DataFolder(string path, FileStream held)
    {
        Path = path;
        _lock = held;
    }

    public string Path { get; }

    /// <summary>
    /// Creates the folder if needed, takes it, and makes it and the entries directly in it private.
    /// </summary>
    /// <exception cref="ServerStartException">Another running server holds the folder (the message names it).</exception>
    /// <exception cref="IOException">The folder cannot be created, locked or written.</exception>
    /// <exception cref="UnauthorizedAccessException">The same, for want of permission.</exception>
    public static DataFolder Open(string path)
    {
        RefuseForeignFolder(path);
        Posix.MakeCreatedFilesPrivate();
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            Directory.CreateDirectory(path, PrivateFolder);
            File.SetUnixFileMode(path, PrivateFolder);
        }

        var held = Hold(path);
        try
        {
            if (!OperatingSystem.IsWindows())
            {
                MakePrivate(new DirectoryInfo(path));
            }

            var probe = System.IO.Path.Combine(path, ".write-test");
            File.WriteAllText(probe, "");
            File.Delete(probe);
            return new DataFolder(path, held);
        }
        catch
        {
            held.Dispose();
            throw;
        }
    }

    /// <summary>Records in the lock file who holds the folder, for the message a second server prints.</summary>
    public void Describe(string holder)
    {
        _lock.SetLength(0);
        _lock.Write(System.Text.Encoding.UTF8.GetBytes(holder));
        _lock.Flush();
    }

    public void Dispose() => _lock.Dispose();

    private static FileStream Hold(string path)
    {
        var lockPath = System.IO.Path.Combine(path, LockFileName);
        // Shared opens, so a refused server can read who holds the folder; the hold itself is a record lock (fcntl)
        // on the first byte, which conflicts only with another process's. macOS has no record locks in .NET: there
        // the open itself is exclusive (flock), and the refusal cannot say who holds it.
        var apple = OperatingSystem.IsMacOS();
        var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = apple ? FileShare.None : FileShare.ReadWrite };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = PrivateFile;
        }

        FileStream stream;
        try
        {
            stream = new FileStream(lockPath, options);
        }
        catch (IOException) when (apple && File.Exists(lockPath))
        {
            throw InUse(path, "pid unknown");
        }

        try
        {
            if (!apple)
            {
                stream.Lock(0, 1);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // fcntl answers EAGAIN or EACCES (POSIX allows either) when another process holds the lock.
            stream.Dispose();
            throw InUse(path, Holder(lockPath));
        }

        try
        {
            stream.SetLength(0);
            stream.Write(System.Text.Encoding.UTF8.GetBytes("pid " + Environment.ProcessId.ToString(CultureInfo.InvariantCulture)));
            stream.Flush();
            return stream;
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Making a folder private takes it away from everyone else, so it is done only to a folder that is new, empty or
    /// already a data folder: <c>--data /tmp</c>, <c>--data .</c> or <c>--data ~</c> by mistake must not chmod a
    /// shared or personal folder to 0700.
    /// </summary>
    private static void RefuseForeignFolder(string path)
    {
        // Directory.CreateDirectory on a file says "The file '…' already exists", which reads as if all were well.
        if (File.Exists(path))
        {
            throw new ServerStartException($"the data folder {path} is a file; give --data a folder (it is made if missing).");
        }

        if (!Directory.Exists(path))
        {
            return;
        }

        var entries = Directory.EnumerateFileSystemEntries(path).Select(System.IO.Path.GetFileName).ToList();
        if (entries.Count > 0 && !entries.Any(name => DataFileNames.Contains(name)))
        {
            throw new ServerStartException(
                $"the data folder {path} is not empty and holds no OpenSAG data; the server makes its data folder private (0700), so give it a new or empty one.");
        }
    }

    /// <summary>Files any version of the server leaves in its data folder (SQLite or PostgreSQL mode).</summary>
    private static readonly HashSet<string?> DataFileNames =
    [
        LockFileName, OpenSagServer.DatabaseFileName, SecretsKeyFile.DefaultFileName, RootCredentials.ProfileFileName,
        "gateway-token.key", OpenSag.Gateway.Security.GatewayCertificate.CertificateFileName,
    ];

    private static ServerStartException InUse(string path, string holder) =>
        new($"the data folder {path} is in use by another opensag serve ({holder}); stop it or give another --data.");

    private static string Holder(string lockPath)
    {
        try
        {
            return File.ReadAllText(lockPath).ReplaceLineEndings(" ").Trim() is { Length: > 0 } holder ? holder : "still starting";
        }
        catch (IOException)
        {
            return "unknown process";
        }
    }

    /// <summary>
    /// Takes the group's and others' permissions off every entry directly in the folder: what an older version left (its
    /// database, -wal, -shm, certificate, profile: 644) becomes 600. Only this level, and only those bits: once the
    /// folder is 0700 nothing below it is reachable by anyone else, and an operator who points <c>--data</c> at a
    /// folder of their own keeps their subfolders and their execute bits. Symbolic links are left alone (chmod would
    /// follow them out of the folder).
    /// </summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static void MakePrivate(DirectoryInfo folder)
    {
        foreach (var entry in folder.EnumerateFileSystemInfos())
        {
            if (entry.LinkTarget is null && (entry.UnixFileMode & NotOwner) != 0)
            {
                entry.UnixFileMode &= ~NotOwner;
            }
        }
    }
}
