namespace OpenSag.Sessions;

/// <summary>
/// The live sessions of this process, indexed by (SmartAGId, UserName) so that a kick touches only the target
/// user's sessions, whatever the total count. The gateway registers sessions; the API reads and closes them.
/// One lock guards the index: every operation under it is a dictionary lookup or a copy of one user's sessions.
/// Observers (the cluster's session table) hear of every registration and removal.
/// </summary>
public sealed class SessionRegistry(IEnumerable<ISessionObserver> observers) : IOnlineSessionReader
{
    private readonly Lock _gate = new();
    private readonly Dictionary<UserKey, Dictionary<string, IOnlineSession>> _byUser = [];
    private readonly ISessionObserver[] _observers = [.. observers];

    public SessionRegistry()
        : this([])
    {
    }

    /// <summary>
    /// Adds a session and tells the observers; disposing the returned handle removes it (the session's close path
    /// does that). If an observer fails, the session is removed again and the failure propagates (login refused).
    /// </summary>
    public async Task<IDisposable> RegisterAsync(IOnlineSession session, CancellationToken cancellationToken)
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

        var registration = new Registration(this, key, session.Info);
        try
        {
            foreach (var observer in _observers)
            {
                await observer.SessionOpenedAsync(session.Info, cancellationToken);
            }
        }
        catch
        {
            registration.Dispose();
            throw;
        }

        return registration;
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

    public Task<IReadOnlyList<OnlineSessionInfo>> ListByUserAsync(string smartAgId, string userName, CancellationToken cancellationToken) =>
        Task.FromResult(ListByUser(smartAgId, userName));

    public Task<int> CountByUserAsync(string smartAgId, string userName, CancellationToken cancellationToken) =>
        Task.FromResult(CountByUser(smartAgId, userName));

    public Task<int> CountByInstanceAsync(string smartAgId, CancellationToken cancellationToken) =>
        Task.FromResult(CountByInstance(smartAgId));

    /// <summary>Every session of this process, for the cluster's sweep and its reconciliation of the shared table.</summary>
    public IReadOnlyList<OnlineSessionInfo> All()
    {
        lock (_gate)
        {
            return [.. _byUser.Values.SelectMany(s => s.Values).Select(s => s.Info)];
        }
    }

    /// <summary>Closes every session of the user and returns how many there were.</summary>
    public Task<int> CloseUserSessionsAsync(string smartAgId, string userName, SessionCloseReason reason, CancellationToken cancellationToken) =>
        CloseAsync(Snapshot(new UserKey(smartAgId, userName)), reason, cancellationToken);

    /// <summary>
    /// Closes the user's sessions admitted under a generation below <paramref name="generation"/>: those a
    /// revocation committed elsewhere has made stale. Sessions admitted after it stay.
    /// </summary>
    public Task<int> CloseStaleSessionsAsync(string smartAgId, string userName, long generation, SessionCloseReason reason, CancellationToken cancellationToken) =>
        CloseAsync([.. Snapshot(new UserKey(smartAgId, userName)).Where(s => s.Info.SessionGeneration < generation)], reason, cancellationToken);

    private static async Task<int> CloseAsync(IOnlineSession[] targets, SessionCloseReason reason, CancellationToken cancellationToken)
    {
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

    private void Remove(UserKey key, OnlineSessionInfo info)
    {
        lock (_gate)
        {
            if (_byUser.TryGetValue(key, out var sessions) && sessions.Remove(info.SessionId) && sessions.Count == 0)
            {
                _byUser.Remove(key);
            }
        }

        foreach (var observer in _observers)
        {
            observer.SessionClosed(info);
        }
    }

    private readonly record struct UserKey(string SmartAGId, string UserName);

    private sealed class Registration(SessionRegistry registry, UserKey key, OnlineSessionInfo info) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                registry.Remove(key, info);
            }
        }
    }
}
