using System.Collections.Concurrent;

namespace OpenSag.Gateway.Sessions;

/// <summary>This gateway's sessions by id: how a tunnel request finds the session its token names, and what shutdown closes.</summary>
public sealed class SessionDirectory
{
    private readonly ConcurrentDictionary<string, GatewaySession> _sessions = new(StringComparer.Ordinal);

    public int Count => _sessions.Count;

    public void Add(GatewaySession session) => _sessions[session.Info.SessionId] = session;

    public void Remove(GatewaySession session) => _sessions.TryRemove(new(session.Info.SessionId, session));

    public GatewaySession? Find(string sessionId) => _sessions.GetValueOrDefault(sessionId);

    public IReadOnlyList<GatewaySession> All => [.. _sessions.Values];
}
