namespace OpenSag.Sessions;

/// <summary>
/// The live sessions of this process, indexed by (SmartAGId, UserName) so that a kick touches only the target
/// user's sessions, whatever the total count. The gateway registers sessions; the API reads and closes them.
/// One lock guards the index: every operation under it is a dictionary lookup or a copy of one user's sessions.
/// </summary>
public sealed class SessionRegistry
{
    private readonly Lock _gate = new();
    private readonly Dictionary<UserKey, Dictionary<string, IOnlineSession>> _byUser = [];

    /// <summary>Adds a session; disposing the returned handle removes it (the session's close path does that).</summary>
    public IDisposable Register(IOnlineSession session)
    {
        var key = new UserKey(session.Info.SmartAGId, session.Info.UserName);
        lock (_gate)
        {
            if (!_byUser.TryGetValue(key, out var sessions))
            {
                _byUser[key] = sessions = [];
            }

            sessions[session.Info.SessionId] = session;
        }

        return new Registration(this, key, session.Info.SessionId);
    }

    public IReadOnlyList<OnlineSessionInfo> ListByUser(string smartAgId, string userName) =>
        [.. Snapshot(new UserKey(smartAgId, userName)).Select(s => s.Info)
            .OrderBy(i => i.OnlineSince).ThenBy(i => i.SessionId, StringComparer.Ordinal)];

    public int CountByUser(string smartAgId, string userName)
    {
        lock (_gate)
        {
            return _byUser.TryGetValue(new UserKey(smartAgId, userName), out var sessions) ? sessions.Count : 0;
        }
    }

    /// <summary>Online connections per instance. Walks every user; the statistics actions are not on a hot path.</summary>
    public int CountByInstance(string smartAgId)
    {
        lock (_gate)
        {
            return _byUser.Where(p => p.Key.SmartAGId == smartAgId).Sum(p => p.Value.Count);
        }
    }

    /// <summary>Closes every session of the user and returns how many there were.</summary>
    public async Task<int> CloseUserSessionsAsync(string smartAgId, string userName, SessionCloseReason reason, CancellationToken cancellationToken)
    {
        var targets = Snapshot(new UserKey(smartAgId, userName));
        await Task.WhenAll(targets.Select(s => s.CloseAsync(reason, cancellationToken).AsTask()));
        return targets.Length;
    }

    private IOnlineSession[] Snapshot(UserKey key)
    {
        lock (_gate)
        {
            return _byUser.TryGetValue(key, out var sessions) ? [.. sessions.Values] : [];
        }
    }

    private void Remove(UserKey key, string sessionId)
    {
        lock (_gate)
        {
            if (_byUser.TryGetValue(key, out var sessions) && sessions.Remove(sessionId) && sessions.Count == 0)
            {
                _byUser.Remove(key);
            }
        }
    }

    private readonly record struct UserKey(string SmartAGId, string UserName);

    private sealed class Registration(SessionRegistry registry, UserKey key, string sessionId) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                registry.Remove(key, sessionId);
            }
        }
    }
}
