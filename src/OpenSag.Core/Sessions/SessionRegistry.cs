namespace OpenSag.Sessions;

/// <summary>
/// The one table of this process's live sessions (DESIGN.md §4.2), indexed by session id (tunnels find their session),
/// by (SmartAGId, UserName) (a kick touches only the target user's sessions, whatever the total count) and by
/// ClientIp (packets coming back find the session that holds their destination). The gateway publishes a session as
/// the last step of its admission and the session's close path withdraws it; the API reads and closes through it.
/// One lock guards the indexes: every operation under it is a dictionary lookup or a copy of a few sessions.
/// Observers (the cluster's session table) hear of every publication and withdrawal.
/// </summary>
public sealed class SessionRegistry(IEnumerable<ISessionObserver> observers) : IOnlineSessionReader
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, IOnlineSession> _byId = new(StringComparer.Ordinal);
    private readonly Dictionary<UserKey, Dictionary<string, IOnlineSession>> _byUser = [];
    private readonly Dictionary<string, Dictionary<string, IOnlineSession>> _byClientIp = new(StringComparer.Ordinal);
    private readonly ISessionObserver[] _observers = [.. observers];
    private bool _shuttingDown;
    private bool _fenced;

    public SessionRegistry()
        : this([])
    {
    }

    /// <summary>This node's id, as the operators' list names the node holding each session (<see cref="ListByInstance"/>).</summary>
    public string Node { get; init; } = "local";

    /// <summary>Live sessions in the table.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _byId.Count;
            }
        }
    }

    /// <summary>True once <see cref="CloseAllForShutdownAsync"/> has begun: a transport that breaks from then on was broken by the shutdown.</summary>
    public bool IsShuttingDown => Volatile.Read(ref _shuttingDown);

    /// <summary>
    /// Tells the observers, then makes the session findable (<see cref="IOnlineSession.TryGoOnline"/> under the lock).
    /// False, with the observers told it closed, when the session started closing meanwhile or the host is stopping: the
    /// caller closes it. If an observer fails, the others are told it closed and the failure propagates (login refused),
    /// so a session never exists that the cluster-wide online list cannot see.
    /// </summary>
    public async Task<bool> PublishAsync(IOnlineSession session, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        try
        {
            foreach (var observer in _observers)
            {
                await observer.SessionOpenedAsync(session.Info, cancellationToken);
            }
        }
        catch
        {
            TellClosed(session.Info);
            throw;
        }

        var info = session.Info;
        lock (_gate)
        {
            // The flag and the sweep's snapshot are both under this lock: a session is swept or never published.
            if (!_shuttingDown && !_fenced && session.TryGoOnline())
            {
                _byId[info.SessionId] = session;
                Add(_byUser, new UserKey(info.SmartAGId, info.UserName), session);
                Add(_byClientIp, info.ClientIp, session);
                return true;
            }
        }

        TellClosed(info);
        return false;
    }

    /// <summary>
    /// Removes the session from every index and tells the observers, if it was published; otherwise does nothing. The
    /// session's close path calls it first, once its state has left <see cref="SessionState.Online"/> and before any
    /// goodbye, so a Closing session is listed and counted nowhere, and a publication racing the close either happened
    /// before (and is removed here) or fails. Idempotent; must not wait for I/O.
    /// </summary>
    public void Withdraw(IOnlineSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        var info = session.Info;
        lock (_gate)
        {
            if (!_byId.TryGetValue(info.SessionId, out var held) || !ReferenceEquals(held, session))
            {
                return;
            }

            _byId.Remove(info.SessionId);
            Remove(_byUser, new UserKey(info.SmartAGId, info.UserName), info.SessionId);
            Remove(_byClientIp, info.ClientIp, info.SessionId);
        }

        TellClosed(info);
    }

    /// <summary>The published session with this id, or null.</summary>
    public IOnlineSession? Find(string sessionId)
    {
        lock (_gate)
        {
            return _byId.GetValueOrDefault(sessionId);
        }
    }

    /// <summary>
    /// The published sessions holding this ClientIp (dotted IPv4, as in <see cref="OnlineSessionInfo.ClientIp"/>): at most
    /// one for a leased address; a user with a static ClientIp may hold it from several connections.
    /// </summary>
    public IReadOnlyList<IOnlineSession> FindByClientIp(string clientIp)
    {
        lock (_gate)
        {
            return _byClientIp.TryGetValue(clientIp, out var sessions) ? [.. sessions.Values] : [];
        }
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

    /// <summary>
    /// The instance's sessions with their bytes, ordered by user name, online time, then session id. Walks every user,
    /// as <see cref="CountByInstance"/> does: an operator's page, not a hot path.
    /// </summary>
    public IReadOnlyList<OnlineSessionListing> ListByInstance(string smartAgId)
    {
        IOnlineSession[] sessions;
        lock (_gate)
        {
            sessions = [.. _byUser.Where(p => p.Key.SmartAGId == smartAgId).SelectMany(p => p.Value.Values)];
        }

        return [.. sessions.Select(Listing)
            .OrderBy(l => l.Session.UserName, StringComparer.Ordinal).ThenBy(l => l.Session.OnlineSince).ThenBy(l => l.Session.SessionId, StringComparer.Ordinal)];
    }

    /// <summary>Every session of this process with its bytes, for the cluster heartbeat that copies them to the shared table.</summary>
    public IReadOnlyList<OnlineSessionListing> ListAll()
    {
        IOnlineSession[] sessions;
        lock (_gate)
        {
            sessions = [.. _byId.Values];
        }

        return [.. sessions.Select(Listing)];
    }

    public Task<int> CountAllAsync(CancellationToken cancellationToken) => Task.FromResult(Count);

    public Task<IReadOnlyList<OnlineSessionListing>> ListByInstanceAsync(string smartAgId, CancellationToken cancellationToken) =>
        Task.FromResult(ListByInstance(smartAgId));

    /// <summary>
    /// Closes the session with this id if it is published here and belongs to <paramref name="smartAgId"/>, and returns
    /// once it is closed; false when this node holds no such session.
    /// </summary>
    public async Task<bool> CloseSessionAsync(string smartAgId, string sessionId, SessionCloseReason reason, CancellationToken cancellationToken)
    {
        if (Find(sessionId) is not { } session || session.Info.SmartAGId != smartAgId)
        {
            return false;
        }

        await session.CloseAsync(reason, cancellationToken);
        return true;
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
            return [.. _byId.Values.Select(s => s.Info)];
        }
    }

    /// <summary>
    /// Closes every online session of the user and returns how many there were. A session already closing has left the
    /// table: its own close, which has already ended its streams, finishes it without this call waiting for its goodbye.
    /// </summary>
    public Task<int> CloseUserSessionsAsync(string smartAgId, string userName, SessionCloseReason reason, CancellationToken cancellationToken) =>
        CloseAsync(Snapshot(new UserKey(smartAgId, userName)), reason, cancellationToken);

    /// <summary>
    /// Closes the user's sessions admitted under a generation below <paramref name="generation"/>: those a
    /// revocation committed elsewhere has made stale. Sessions admitted after it stay.
    /// </summary>
    public Task<int> CloseStaleSessionsAsync(string smartAgId, string userName, long generation, SessionCloseReason reason, CancellationToken cancellationToken) =>
        CloseAsync([.. Snapshot(new UserKey(smartAgId, userName)).Where(s => s.Info.SessionGeneration < generation)], reason, cancellationToken);

    /// <summary>
    /// Closes every session with <see cref="SessionCloseReason.ServerShutdown"/> and refuses publication from then on,
    /// so a session admitted meanwhile is either swept here or told by <see cref="PublishAsync"/> to close itself.
    /// </summary>
    public Task CloseAllForShutdownAsync()
    {
        IOnlineSession[] sessions;
        lock (_gate)
        {
            Volatile.Write(ref _shuttingDown, true);
            sessions = [.. _byId.Values];
        }

        return CloseAsync(sessions, SessionCloseReason.ServerShutdown, CancellationToken.None);
    }

    /// <summary>
    /// Closes every session with <paramref name="reason"/> and refuses publication until <see cref="Unfence"/>: a node
    /// that can no longer prove to its cluster that it is alive stops serving, so the other nodes may treat it as gone
    /// (ClusterHeartbeat's self-fencing). Under the same lock as publication, so a session admitted meanwhile is either
    /// closed here or told by <see cref="PublishAsync"/> to close itself. Returns how many sessions were closed.
    /// </summary>
    public async Task<int> FenceAsync(SessionCloseReason reason)
    {
        IOnlineSession[] sessions;
        lock (_gate)
        {
            _fenced = true;
            sessions = [.. _byId.Values];
        }

        return await CloseAsync(sessions, reason, CancellationToken.None);
    }

    /// <summary>Admits sessions again after <see cref="FenceAsync"/> (the node proved itself alive again).</summary>
    public void Unfence()
    {
        lock (_gate)
        {
            _fenced = false;
        }
    }

    private static async Task<int> CloseAsync(IOnlineSession[] targets, SessionCloseReason reason, CancellationToken cancellationToken)
    {
        await Task.WhenAll(targets.Select(s => s.CloseAsync(reason, cancellationToken).AsTask()));
        return targets.Length;
    }

    private OnlineSessionListing Listing(IOnlineSession session) =>
        new(session.Info, Node, session.Traffic.BytesFromClient, session.Traffic.BytesToClient);

    private IOnlineSession[] Snapshot(UserKey key)
    {
        lock (_gate)
        {
            return _byUser.TryGetValue(key, out var sessions) ? [.. sessions.Values] : [];
        }
    }

    private void TellClosed(OnlineSessionInfo info)
    {
        foreach (var observer in _observers)
        {
            observer.SessionClosed(info);
        }
    }

    private static void Add<TKey>(Dictionary<TKey, Dictionary<string, IOnlineSession>> index, TKey key, IOnlineSession session)
        where TKey : notnull
    {
        if (!index.TryGetValue(key, out var sessions))
        {
            index[key] = sessions = new(StringComparer.Ordinal);
        }

        sessions[session.Info.SessionId] = session;
    }

    private static void Remove<TKey>(Dictionary<TKey, Dictionary<string, IOnlineSession>> index, TKey key, string sessionId)
        where TKey : notnull
    {
        if (index.TryGetValue(key, out var sessions) && sessions.Remove(sessionId) && sessions.Count == 0)
        {
            index.Remove(key);
        }
    }

    private readonly record struct UserKey(string SmartAGId, string UserName);
}
