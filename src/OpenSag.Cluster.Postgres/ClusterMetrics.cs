using System.Diagnostics.Metrics;

namespace OpenSag.Cluster.Postgres;

/// <summary>
/// The <c>OpenSag.Cluster</c> meter: how long a NOTIFY took from the sending node's <c>pg_notify</c> to this node's
/// listener, from the send time stamped in the message (<see cref="RevocationMessage.SentAt"/>,
/// <see cref="ChangeMessage.SentAt"/>), tagged <c>channel</c> (revocation, change). Across nodes the figure includes
/// the difference of the two clocks (keep them in NTP sync); a negative one counts as 0. A node hears its own
/// notices too, a delay on one clock. Messages from an older node carry no time and are not counted.
/// </summary>
public static class ClusterMetrics
{
    public const string MeterName = "OpenSag.Cluster";

    /// <summary>Seconds from a notice's send to its receipt here.</summary>
    public const string NotificationDelayName = "opensag.cluster.notification.delay";

    private static readonly Meter ClusterMeter = new(MeterName);

    // PostgreSQL hands a committed NOTIFY to its listeners within a millisecond or so on a LAN; a delay near the
    // revocation poll interval (50 ms) or beyond means a busy listener or database, and seconds a clock out of step.
    private static readonly Histogram<double> NotificationDelay = ClusterMeter.CreateHistogram(NotificationDelayName, "s",
        "Time from a cluster notice's NOTIFY on the sending node to its receipt here, by channel",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] });

    /// <summary>Records a notice received at <paramref name="receivedAt"/>; nothing when it carries no send time.</summary>
    /// <param name="channel">"revocation" or "change".</param>
    public static void Received(string channel, DateTimeOffset? sentAt, DateTimeOffset receivedAt)
    {
        if (sentAt is { } sent && NotificationDelay.Enabled)
        {
            NotificationDelay.Record(Math.Max(0, (receivedAt - sent).TotalSeconds), new KeyValuePair<string, object?>("channel", channel));
        }
    }
}
