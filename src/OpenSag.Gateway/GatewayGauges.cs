using System.Diagnostics.Metrics;
using OpenSag.Gateway.Sessions;
using OpenSag.Gateway.Tunnels;
using OpenSag.Sessions;

namespace OpenSag.Gateway;

/// <summary>
/// The gateway's observable instruments on its <c>OpenSag.Gateway</c> meter, read at each scrape from this node's state:
/// online sessions per instance, password checks waiting and running, and bytes relayed each way. Made from the host's
/// <see cref="IMeterFactory"/>, so each host (and each test) has its own; the host creates it when it exports metrics.
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

    public GatewayGauges(IMeterFactory meters, SessionRegistry sessions, PasswordCheckGate passwords, FlowMeter flow)
    {
        ArgumentNullException.ThrowIfNull(meters);
        ArgumentNullException.ThrowIfNull(sessions);
        ArgumentNullException.ThrowIfNull(passwords);
        ArgumentNullException.ThrowIfNull(flow);
        // The factory owns (and disposes) the meter.
        var meter = meters.Create(MeterName);
        meter.CreateObservableGauge(OnlineSessionsName,
            () => sessions.CountsByInstance().Select(c => new Measurement<int>(c.Sessions, new KeyValuePair<string, object?>("smartag_id", c.SmartAGId))),
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
}
