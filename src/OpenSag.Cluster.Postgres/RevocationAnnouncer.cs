using System.Text.Json;
using OpenSag.Sessions;

namespace OpenSag.Cluster.Postgres;

/// <summary>
/// Announces a committed revocation with <c>pg_notify</c>. Run outside a transaction, the notification is
/// committed, and so queued for every listening node, by the time this returns. PostgreSQL delivers it only to
/// nodes listening right now; a node that is not is repaired by its sweep (<see cref="StaleSessionSweep"/>).
/// </summary>
public sealed class RevocationAnnouncer(ClusterDatabase database) : ISessionRevocationAnnouncer
{
    public async Task AnnounceAsync(SessionRevocation revocation, CancellationToken cancellationToken) =>
        await database.ExecuteAsync(
            "SELECT pg_notify($1, $2)",
            p =>
            {
                p.AddWithValue(ClusterOptions.RevocationChannel);
                p.AddWithValue(RevocationMessage.Write(database.NodeId, revocation));
            },
            cancellationToken);
}

/// <summary>The NOTIFY payload: small JSON, far below PostgreSQL's 8000-byte limit (ids and names are ≤ 64 chars).</summary>
public sealed record RevocationMessage(string Node, string SmartAGId, string UserName, long Generation, SessionCloseReason Reason)
{
    public static string Write(string node, SessionRevocation revocation) =>
        JsonSerializer.Serialize(new RevocationMessage(node, revocation.SmartAGId, revocation.UserName, revocation.Generation, revocation.Reason));

    /// <summary>Null for a payload this build does not understand (a newer node's message): the sweep covers it.</summary>
    public static RevocationMessage? TryRead(string payload)
    {
        try
        {
            return JsonSerializer.Deserialize<RevocationMessage>(payload);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
