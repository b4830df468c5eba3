using System.Diagnostics.Metrics;
using OpenSag.Gateway.Sessions;
using OpenSag.Gateway.Tunnels;
using OpenSag.Sessions;

namespace OpenSag.Gateway;

/// <summary>
/// The gateway's observable instruments on its <c>OpenSag.Gateway</c> meter, read at each scrape from this node's state:
/// online sessions per instance (0 once an instance's last session left), password checks waiting and running, and
/// bytes relayed each way. Made from the host's <see cref="IMeterFactory"/>, so each host (and each test) has its own;
/// the host creates it when it exports metrics.
/// </summary>
public sealed class GatewayGauges
{
    public const string MeterName = "OpenSag.Gateway";

    /// <summary>This node's online sessions (unit {session}), tagged <c>smartag_id</c>: the one per-instance label.</summary>
    public const string OnlineSessionsName = "opensag.sessions.online";

    /// <summary>Password checks (unit {check}) in the <see cref="PasswordCheckGate"/>, tagged <c>state</c> (waiting, running).</summary>
    public const string PasswordChecksName = "opensag.logins.password_checks";

    /// <summary>Bytes relayed since start (unit By), streams and layer-3 packets alike, tagged <c>direction</c> (from-client, to-client).</summary>
    public const string TrafficName = "opensag.traffic";

    private readonly SessionRegistry _sessions;

    /// <summary>
    /// Every instance <see cref="OnlineSessionsName"/> has reported on this node. A meter provider keeps a gauge
    /// series at its last value once it exists (OpenTelemetry's cumulative export), so an instance whose last session
    /// left is reported as 0 rather than left at a stale count. Bounded by the instances that ever had a session here.
    /// </summary>
    private readonly HashSet<string> _instancesReported = new(StringComparer.Ordinal);

    private readonly Lock _observing = new();

    public GatewayGauges(IMeterFactory meters, SessionRegistry sessions, PasswordCheckGate passwords, FlowMeter flow)
    {
        ArgumentNullException.ThrowIfNull(meters);
        ArgumentNullException.ThrowIfNull(sessions);
        ArgumentNullException.ThrowIfNull(passwords);
        ArgumentNullException.ThrowIfNull(flow);
        _sessions = sessions;
        // The factory owns (and disposes) the meter.
        var meter = meters.Create(MeterName);
        meter.CreateObservableGauge(OnlineSessionsName, ObserveOnlineSessions,
            "{session}", "Sessions online on this node, by instance (SmartAGId)");
        meter.CreateObservableGauge(PasswordChecksName,
            () =>
            {
                var (waiting, running) = passwords.Load;
                return new[]
                {
                    new Measurement<int>(waiting, new KeyValuePair<string, object?>("state", "waiting")),
                    new Measurement<int>(running, new KeyValuePair<string, object?>("state", "running")),
                };
            },
            "{check}", "Password checks (PBKDF2) of logins waiting for a slot and running now");
        meter.CreateObservableCounter(TrafficName,
            () =>
            {
                var (fromClient, toClient) = flow.Totals();
                return new[]
                {
                    new Measurement<long>(fromClient, new KeyValuePair<string, object?>("direction", "from-client")),
                    new Measurement<long>(toClient, new KeyValuePair<string, object?>("direction", "to-client")),
                };
            },
            "By", "Bytes relayed through tunnels and the layer-3 data channel since start, by direction");
    }

    /// <summary>This node's sessions per instance, and 0 for every instance reported before that has none now.</summary>
    private List<Measurement<int>> ObserveOnlineSessions()
    {
        var counts = _sessions.CountsByInstance();
        lock (_observing)
        {
            var measurements = new List<Measurement<int>>(Math.Max(counts.Count, _instancesReported.Count));
            var online = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (smartAgId, count) in counts)
            {
                measurements.Add(new Measurement<int>(count, new KeyValuePair<string, object?>("smartag_id", smartAgId)));
                online.Add(smartAgId);
                _instancesReported.Add(smartAgId);
            }

            foreach (var smartAgId in _instancesReported)
            {
                if (!online.Contains(smartAgId))
                {
                    measurements.Add(new Measurement<int>(0, new KeyValuePair<string, object?>("smartag_id", smartAgId)));
                }
            }

            return measurements;
        }
    }
}
