using System.Diagnostics.Metrics;
using System.Text;

namespace OpenSag.Sessions;

/// <summary>
/// Revocations (kicks, and the disables, deletions and moves that end a user's sessions the same way) on the
/// <c>OpenSag.Gateway</c> meter: one per revoking action on the node that took the call, and the sessions each node
/// closed for it, so the sum over the nodes is every session a revocation ended. Tagged <c>reason</c>, the
/// <see cref="SessionCloseReason"/> in lower case with '-' (<c>kicked-out</c>): a bounded set.
/// </summary>
public static class SessionMetrics
{
    public const string MeterName = "OpenSag.Gateway";

    /// <summary>Revoking actions (unit {kick}), tagged <c>reason</c>.</summary>
    public const string KicksName = "opensag.kicks";

    /// <summary>Sessions a revocation closed on this node (unit {session}), tagged <c>reason</c>.</summary>
    public const string KickedSessionsName = "opensag.kicks.sessions";

    private static readonly SessionCloseReason[] Reasons = Enum.GetValues<SessionCloseReason>();
    private static readonly string[] ReasonTags = [.. Reasons.Select(Kebab)];

    private static readonly Meter SessionsMeter = new(MeterName);

    private static readonly Counter<long> Kicks = SessionsMeter.CreateCounter<long>(KicksName, "{kick}",
        "Revocations of a user's sessions (KickOutClients, disable, delete, move) taken here, by reason");

    private static readonly Counter<long> KickedSessions = SessionsMeter.CreateCounter<long>(KickedSessionsName, "{session}",
        "Sessions a revocation closed on this node, by reason");

    /// <summary>The reason's tag value: <c>KickedOut</c> is <c>kicked-out</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not a defined reason.</exception>
    public static string TagValue(SessionCloseReason reason) =>
        (int)reason >= 0 && (int)reason < ReasonTags.Length ? ReasonTags[(int)reason]
            : throw new ArgumentOutOfRangeException(nameof(reason), reason, "Not a close reason.");

    /// <summary>Counts a revoking action taken on this node.</summary>
    public static void Kicked(SessionCloseReason reason)
    {
        if (Kicks.Enabled)
        {
            Kicks.Add(1, new KeyValuePair<string, object?>("reason", TagValue(reason)));
        }
    }

    /// <summary>Counts the sessions a revocation (this node's or another's) closed on this node.</summary>
    public static void Closed(SessionCloseReason reason, int sessions)
    {
        if (sessions > 0 && KickedSessions.Enabled)
        {
            KickedSessions.Add(sessions, new KeyValuePair<string, object?>("reason", TagValue(reason)));
        }
    }

    private static string Kebab(SessionCloseReason reason)
    {
        var name = reason.ToString();
        var text = new StringBuilder(name.Length + 4);
        foreach (var c in name)
        {
            if (char.IsUpper(c) && text.Length > 0)
            {
                text.Append('-');
            }

            text.Append(char.ToLowerInvariant(c));
        }

        return text.ToString();
    }
}
