using System.Collections.Concurrent;
using OpenSag.Sessions;

namespace OpenSag.Gateway.Sessions;

/// <summary>This gateway's sessions by id: how a tunnel request finds the session its token names, and what shutdown closes.</summary>
public sealed class SessionDirectory
{
    private readonly ConcurrentDictionary<string, GatewaySession> _sessions = new(StringComparer.Ordinal);

    private volatile bool _shuttingDown;

    public int Count => _sessions.Count;

    /// <summary>True once <see cref="CloseAllForShutdownAsync"/> has begun: a transport that breaks from then on was broken by the shutdown.</summary>
    public bool IsShuttingDown => _shuttingDown;

    /// <summary>
    /// Closes every session with <see cref="SessionCloseReason.ServerShutdown"/>. The flag is set before the sweep
    /// and admission adds before it checks the flag, so a session admitted meanwhile is either swept or closes itself.
    /// </summary>
    public Task CloseAllForShutdownAsync()
    {
        _shuttingDown = true;
        return Task.WhenAll(All.Select(s => s.CloseAsync(SessionCloseReason.ServerShutdown, CancellationToken.None).AsTask()));
    }

    public void Add(GatewaySession session) => _sessions[session.Info.SessionId] = session;

    public void Remove(GatewaySession session) => _sessions.TryRemove(new(session.Info.SessionId, session));

    public GatewaySession? Find(string sessionId) => _sessions.GetValueOrDefault(sessionId);

    public IReadOnlyList<GatewaySession> All => [.. _sessions.Values];
}
