using System.Globalization;

namespace OpenSag.Gateway.Security;

/// <summary>
/// Logins that logged out (<see cref="SessionClaims.LoginId"/>), each kept until its tokens expire: a logout must end
/// the credential for the token's whole lifetime, across restarts too, so every revocation is appended to a file in the
/// data folder (one line, <c>loginId expiresUnixSeconds</c>) and on disk before the logout completes. The gateway's
/// <see cref="Sessions.LoginStateSweep"/> drops expired entries and rewrites the file once most of its lines are dead,
/// so memory and file stay proportional to the logouts of one token lifetime.
/// </summary>
public sealed class RevokedLogins
{
    public const string FileName = "revoked-logins";

    /// <summary>Dead lines tolerated before a rewrite: below this a rewrite is not worth its fsync.</summary>
    private const int RewriteSlack = 1024;

    private readonly string? _path;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, DateTimeOffset> _revoked = new(StringComparer.Ordinal);
    private int _linesInFile;

    private RevokedLogins(string? path) => _path = path;

    /// <summary>Entries held (revoked logins whose tokens have not been swept as expired yet).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _revoked.Count;
            }
        }
    }

    /// <summary>Not persisted: for tests and tools that have no data folder.</summary>
    public static RevokedLogins InMemory() => new(null);

    /// <summary>Reads <paramref name="path"/> if it exists; unreadable lines are skipped (a torn last append).</summary>
    public static RevokedLogins Open(string path)
    {
        var revoked = new RevokedLogins(path);
        if (File.Exists(path))
        {
            foreach (var line in File.ReadLines(path))
            {
                revoked._linesInFile++;
                var space = line.IndexOf(' ', StringComparison.Ordinal);
                if (space > 0 && long.TryParse(line.AsSpan(space + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var expires)
                    && expires <= DateTimeOffset.MaxValue.ToUnixTimeSeconds())
                {
                    revoked._revoked[line[..space]] = DateTimeOffset.FromUnixTimeSeconds(expires);
                }
            }
        }

        return revoked;
    }

    public bool IsRevoked(string loginId)
    {
        lock (_gate)
        {
            return _revoked.ContainsKey(loginId);
        }
    }

    /// <summary>Revokes <paramref name="loginId"/> until <paramref name="expiresAt"/>; durable when this returns.</summary>
    /// <exception cref="IOException">The data folder could not be written.</exception>
    public void Revoke(string loginId, DateTimeOffset expiresAt)
    {
        lock (_gate)
        {
            if (!_revoked.TryAdd(loginId, expiresAt) || _path is null)
            {
                return;
            }

            using var file = new FileStream(_path, CreateOptions(FileMode.Append));
            file.Write(System.Text.Encoding.UTF8.GetBytes(Line(loginId, expiresAt)));
            file.Flush(flushToDisk: true);
            _linesInFile++;
        }
    }

    /// <summary>Forgets logins whose tokens expired at or before <paramref name="now"/>; rewrites the file once it is mostly dead lines.</summary>
    public void Evict(DateTimeOffset now)
    {
        lock (_gate)
        {
            foreach (var (loginId, expiresAt) in _revoked)
            {
                if (expiresAt <= now)
                {
                    _revoked.Remove(loginId);
                }
            }

            if (_path is null || _linesInFile - _revoked.Count < Math.Max(RewriteSlack, _revoked.Count))
            {
                return;
            }

            // Write aside and rename: a crash leaves either the old file or the new one, never half of one.
            var temporary = _path + ".tmp";
            using (var file = new FileStream(temporary, CreateOptions(FileMode.Create)))
            {
                foreach (var (loginId, expiresAt) in _revoked)
                {
                    file.Write(System.Text.Encoding.UTF8.GetBytes(Line(loginId, expiresAt)));
                }

                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, _path, overwrite: true);
            _linesInFile = _revoked.Count;
        }
    }

    private static string Line(string loginId, DateTimeOffset expiresAt) =>
        loginId + " " + expiresAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) + "\n";

    private static FileStreamOptions CreateOptions(FileMode mode)
    {
        var options = new FileStreamOptions { Mode = mode, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        return options;
    }
}
