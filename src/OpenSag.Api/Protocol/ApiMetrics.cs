using System.Diagnostics.Metrics;

namespace OpenSag.Api.Protocol;

/// <summary>
/// The <c>OpenSag.Api</c> meter: every request <see cref="RpcEndpoint"/> answers, by action and outcome. Labels stay
/// bounded: the action is a catalogue name or <see cref="UnknownAction"/> (never what the caller typed), the code is an
/// error catalogue code (<c>Missing{Parameter}</c> and the like name catalogue parameters only) or <see cref="Success"/>.
/// </summary>
public static class ApiMetrics
{
    public const string MeterName = "OpenSag.Api";

    /// <summary>Requests answered (unit {request}), tagged <c>action</c> and <c>code</c>.</summary>
    public const string RequestsName = "opensag.api.requests";

    /// <summary>Seconds from the request's arrival to its answer written, tagged <c>action</c>.</summary>
    public const string DurationName = "opensag.api.request.duration";

    /// <summary>The <c>action</c> of a request that named no action of the table (missing, misspelt, wrong Version).</summary>
    public const string UnknownAction = "unknown";

    /// <summary>The <c>code</c> of a request answered without an error (the audit log's outcome word too).</summary>
    public const string Success = "Success";

    /// <summary>The <c>code</c> of a request whose caller went away before the answer: nobody got one.</summary>
    public const string Abandoned = "Abandoned";

    private static readonly Meter ApiMeter = new(MeterName);

    private static readonly Counter<long> Requests = ApiMeter.CreateCounter<long>(RequestsName, "{request}",
        "API requests answered, by action and error code (Success when none)");

    // Loopback reads answer in 0.2-2 ms and writes wait for one group commit (an fsync, 1-10 ms), so the lower
    // buckets are dense; user creation and password resets cost a PBKDF2 hash (about 0.2 s); a kick in a cluster waits
    // for the other nodes (tens of ms, at worst the node timeout, 30 s by default).
    private static readonly Histogram<double> Duration = ApiMeter.CreateHistogram(DurationName, "s",
        "Time from a request's arrival to its answer, by action",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] });

    /// <summary>Counts one answered request and its duration.</summary>
    public static void Record(string action, string code, TimeSpan elapsed)
    {
        var actionTag = new KeyValuePair<string, object?>("action", action);
        if (Requests.Enabled)
        {
            Requests.Add(1, actionTag, new KeyValuePair<string, object?>("code", code));
        }

        if (Duration.Enabled)
        {
            Duration.Record(elapsed.TotalSeconds, actionTag);
        }
    }
}
