using System.Diagnostics.Metrics;
using System.Text;

namespace OpenSag.Gateway.DataChannel;

/// <summary>
/// Dropped packets counted by <see cref="PacketDropReason"/>: one instance per session (its close line says
/// <see cref="Describe"/>) and one node-wide for drops no session owns (unknown index, no session). Each
/// <see cref="Add"/> also adds 1 to the <c>opensag.packets.dropped</c> counter of the <c>OpenSag.Gateway</c> meter,
/// tagged <c>reason</c> with <see cref="TagValue"/> (one per reason, so a bounded set); so count each drop in one instance
/// only. Lock-free: an interlocked increment per drop.
/// </summary>
public sealed class DropCounters
{
    /// <summary>The name of the gateway's <see cref="System.Diagnostics.Metrics.Meter"/>.</summary>
    public const string MeterName = "OpenSag.Gateway";

    /// <summary>The counter's name (unit: packets), tagged <c>reason</c>.</summary>
    public const string DroppedCounterName = "opensag.packets.dropped";

    private static readonly PacketDropReason[] Reasons = Enum.GetValues<PacketDropReason>();

    private static readonly Meter GatewayMeter = new(MeterName);

    private static readonly Counter<long> Dropped = GatewayMeter.CreateCounter<long>(
        DroppedCounterName, unit: "{packet}", description: "Layer-3 packets and datagrams the gateway dropped, by reason");

    private readonly long[] _counts = new long[Reasons.Length];

    /// <summary>How many were dropped for <paramref name="reason"/> so far.</summary>
    public long this[PacketDropReason reason] => Interlocked.Read(ref _counts[(int)reason]);

    /// <summary>The sum over all reasons.</summary>
    public long Total
    {
        get
        {
            long total = 0;
            foreach (var reason in Reasons)
            {
                total += this[reason];
            }

            return total;
        }
    }

    /// <summary>Counts one drop here and in the meter.</summary>
    public void Add(PacketDropReason reason)
    {
        Interlocked.Increment(ref _counts[(int)reason]);
        if (Dropped.Enabled)
        {
            Dropped.Add(1, new KeyValuePair<string, object?>("reason", TagValue(reason)));
        }
    }

    /// <summary>The non-zero counts, e.g. <c>forged 1, replayed 2</c>, in the enum's order; <c>none</c> when all are 0.</summary>
    public string Describe()
    {
        var text = new StringBuilder();
        foreach (var reason in Reasons)
        {
            var count = this[reason];
            if (count != 0)
            {
                text.Append(text.Length == 0 ? "" : ", ").Append(TagValue(reason)).Append(' ').Append(count);
            }
        }

        return text.Length == 0 ? "none" : text.ToString();
    }

    /// <inheritdoc cref="Describe"/>
    public override string ToString() => Describe();

    /// <summary>The reason's name in logs and the metric's tag: lower case, words joined by '-' (<c>unknown-index</c>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not a defined reason.</exception>
    public static string TagValue(PacketDropReason reason) => reason switch
    {
        PacketDropReason.Malformed => "malformed",
        PacketDropReason.UnknownIndex => "unknown-index",
        PacketDropReason.Forged => "forged",
        PacketDropReason.Replayed => "replayed",
        PacketDropReason.Spoofed => "spoofed",
        PacketDropReason.Denied => "denied",
        PacketDropReason.Policed => "policed",
        PacketDropReason.NoSession => "no-session",
        PacketDropReason.NotIpv4 => "not-ipv4",
        PacketDropReason.Throttled => "throttled",
        PacketDropReason.Acl => "acl",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, "Not a drop reason."),
    };
}
