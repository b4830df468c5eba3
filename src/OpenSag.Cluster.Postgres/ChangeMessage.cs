using System.Text;
using System.Text.Json;
using OpenSag.Sessions;

namespace OpenSag.Cluster.Postgres;

/// <summary>
/// The NOTIFY payload of a <see cref="ChangeNotice"/>: JSON naming the sending node (so it can ignore its own), the
/// kind and the instances. PostgreSQL refuses a payload of 8000 bytes or more, about 110 instance ids, so a notice
/// naming more instances is split into several messages of the same kind, each naming some of them. A part is a
/// complete notice for its instances (a notice means "reload these instances"), so no receiver reassembles anything.
/// </summary>
/// <param name="Node">The sending node's id (<see cref="ClusterOptions.NodeId"/>).</param>
/// <param name="Kind">The notice's <see cref="ChangeNotice.Kind"/>.</param>
/// <param name="SmartAGIds">The instances this part names, in the notice's order.</param>
public sealed record ChangeMessage(string Node, string Kind, IReadOnlyList<string> SmartAGIds)
{
    /// <summary>When the sender sent it (its clock), for <see cref="ClusterMetrics"/>; null from a node older than this field.</summary>
    public DateTimeOffset? SentAt { get; init; }

    /// <summary>The largest payload PostgreSQL accepts: "must be shorter than 8000 bytes" (NOTIFY, default build).</summary>
    public const int MaxPayloadBytes = 7999;

    /// <summary>The notice as one or more payloads, each at most <see cref="MaxPayloadBytes"/> UTF-8 bytes; one for a notice of no instances.</summary>
    /// <exception cref="ArgumentException">The node id and kind alone, or one instance id, do not fit in a payload (ids are made by this program and are far shorter).</exception>
    /// <param name="sentAt">The send time every part carries (<see cref="SentAt"/>), or null for none.</param>
    public static IReadOnlyList<string> Write(string node, ChangeNotice notice, DateTimeOffset? sentAt = null)
    {
        ArgumentNullException.ThrowIfNull(notice);
        var envelope = Encoding.UTF8.GetByteCount(Serialize(node, notice.Kind, [], sentAt));
        if (envelope > MaxPayloadBytes)
        {
            throw new ArgumentException($"A change notice of kind '{notice.Kind}' from node '{node}' does not fit in a NOTIFY payload.", nameof(notice));
        }

        // The JSON of a list is "[" + items joined by "," + "]", so each id adds its own encoded length plus a comma
        // after the first: the size is known without serializing each candidate part.
        var payloads = new List<string>();
        var part = new List<string>();
        var size = envelope;
        foreach (var id in notice.SmartAGIds)
        {
            var cost = JsonSerializer.SerializeToUtf8Bytes(id).Length;
            if (part.Count > 0 && size + 1 + cost > MaxPayloadBytes)
            {
                payloads.Add(Serialize(node, notice.Kind, part, sentAt));
                part = [];
                size = envelope;
            }

            if (size + cost > MaxPayloadBytes)
            {
                throw new ArgumentException($"Instance id of {cost} bytes does not fit in a NOTIFY payload.", nameof(notice));
            }

            size += (part.Count > 0 ? 1 : 0) + cost;
            part.Add(id);
        }

        if (part.Count > 0 || payloads.Count == 0)
        {
            payloads.Add(Serialize(node, notice.Kind, part, sentAt));
        }

        return payloads;
    }

    /// <summary>Null for a payload this build does not understand (a newer node's message): the reconcile covers it.</summary>
    public static ChangeMessage? TryRead(string payload)
    {
        try
        {
            return JsonSerializer.Deserialize<ChangeMessage>(payload) is { Node: not null, Kind: not null, SmartAGIds: not null } message
                && message.SmartAGIds.All(id => id is not null)
                ? message
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Serialize(string node, string kind, IReadOnlyList<string> smartAgIds, DateTimeOffset? sentAt) =>
        JsonSerializer.Serialize(new ChangeMessage(node, kind, smartAgIds) { SentAt = sentAt });
}
