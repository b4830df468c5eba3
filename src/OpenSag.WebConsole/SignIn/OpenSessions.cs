using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace OpenSag.WebConsole.SignIn;

/// <summary>
/// The console sessions open on this node: a session's cookie names a random id, and the session is open only while
/// this record holds it, so signing out (<see cref="End"/>) ends the session on the server and a copy of its cookie
/// opens nothing afterwards. The record is kept in <see cref="ConsoleOptions.SessionsFile"/> so a restart does not
/// sign everyone out; that file is in the data folder, which one server holds at a time (each node of a cluster has
/// its own, as it has its own cookie keys), so this process is its only writer.
/// </summary>
/// <remarks>
/// The file holds SHA-256 digests of the ids, never the ids: reading it opens no session. One line per session,
/// <c>digest expiry</c> (expiry in Unix milliseconds: the sign-in plus <see cref="ConsoleOptions.AbsoluteLifetime"/>);
/// expired lines are dropped whenever the file is written. It is rewritten whole (a temporary file renamed over it)
/// at each sign-in and sign-out; requests in between only read the in-memory copy.
/// </remarks>
public sealed class OpenSessions
{
    /// <summary>
    /// Most sessions held at once; a sign-in beyond it ends the session that expires first. Far above what operators
    /// open by hand, it bounds the file a script signing in in a loop could grow.
    /// </summary>
    public const int MaxSessions = 1000;

    /// <summary>Random bytes of a session id: 256 bits, as unguessable as the cookie keys that seal it.</summary>
    private const int IdBytes = 32;

    private readonly string _file;
    private readonly Dictionary<string, long> _expiryByDigest = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>Reads the sessions recorded by an earlier run of this node, if any (lines it cannot read are dropped).</summary>
    /// <exception cref="IOException">The file exists but cannot be read.</exception>
    public OpenSessions(ConsoleOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _file = options.SessionsFile;
        if (!File.Exists(_file))
        {
            return;
        }

        foreach (var line in File.ReadLines(_file))
        {
            var parts = line.Split(' ');
            if (parts.Length == 2 && parts[0].Length == 64 && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var expiry))
            {
                _expiryByDigest[parts[0]] = expiry;
            }
        }
    }

    /// <summary>Opens a session signed in at <paramref name="signedInAt"/>; returns its id, for the cookie only.</summary>
    /// <exception cref="IOException">The record cannot be written (the session is then not opened).</exception>
    public string Open(DateTimeOffset signedInAt)
    {
        var id = Convert.ToBase64String(RandomNumberGenerator.GetBytes(IdBytes)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var digest = Digest(id);
        lock (_lock)
        {
            Prune(signedInAt);
            while (_expiryByDigest.Count >= MaxSessions)
            {
                _expiryByDigest.Remove(_expiryByDigest.MinBy(entry => entry.Value).Key);
            }

            _expiryByDigest[digest] = (signedInAt + ConsoleOptions.AbsoluteLifetime).ToUnixTimeMilliseconds();
            try
            {
                Save();
            }
            catch
            {
                _expiryByDigest.Remove(digest);
                throw;
            }
        }

        return id;
    }

    /// <summary>Whether session <paramref name="id"/> is open (recorded and not past its expiry) at <paramref name="now"/>.</summary>
    public bool IsOpen(string id, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(id);
        var digest = Digest(id);
        lock (_lock)
        {
            return _expiryByDigest.TryGetValue(digest, out var expiry) && now.ToUnixTimeMilliseconds() < expiry;
        }
    }

    /// <summary>Ends session <paramref name="id"/> (nothing when it is not open).</summary>
    /// <exception cref="IOException">The record cannot be written: the session is ended in this run but would be open again after a restart.</exception>
    public void End(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        var digest = Digest(id);
        lock (_lock)
        {
            if (_expiryByDigest.Remove(digest))
            {
                Save();
            }
        }
    }

    private void Prune(DateTimeOffset now)
    {
        var nowMs = now.ToUnixTimeMilliseconds();
        foreach (var expired in _expiryByDigest.Where(entry => entry.Value <= nowMs).Select(entry => entry.Key).ToList())
        {
            _expiryByDigest.Remove(expired);
        }
    }

    /// <summary>Writes the record whole, then renames it into place, so a crash mid-write leaves the last complete one.</summary>
    private void Save()
    {
        var text = new StringBuilder();
        foreach (var (digest, expiry) in _expiryByDigest)
        {
            text.Append(digest).Append(' ').Append(expiry.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        var temporary = _file + ".tmp";
        File.WriteAllText(temporary, text.ToString());
        File.Move(temporary, _file, overwrite: true);
    }

    private static string Digest(string id) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(id)));
}
